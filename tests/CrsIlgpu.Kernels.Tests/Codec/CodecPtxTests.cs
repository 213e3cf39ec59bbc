using System.Text.RegularExpressions;
using CrsIlgpu.Kernels.Codec;

namespace CrsIlgpu.Kernels.Tests.Codec;

/// <summary>
/// The codec kernels' PTX, compiled without a GPU: 2- and 1-byte elements are stored as such, the
/// int8 encode divides with IEEE rounding and has no float multiply, int8 decode has its one multiply
/// and no float add, bf16 no float arithmetic: ptxas has no multiply-add to contract, so GPU bytes
/// equal the CPU's. Assembled by ptxas for sm_80 and sm_90 where it is installed (as the PtxGate test does).
/// </summary>
public class CodecPtxTests(ITestOutputHelper output)
{
    public static TheoryData<string, int> KernelsAndArchitectures()
    {
        var data = new TheoryData<string, int>();
        foreach (var entry in CodecKernels.Catalog)
            foreach (var sm in new[] { 80, 90 })
                data.Add(entry.Name, sm);
        return data;
    }

    [Theory]
    [MemberData(nameof(KernelsAndArchitectures))]
    public void NoFloatAddToContractAndNarrowElementsStayNarrow(string kernel, int sm)
    {
        using var compiler = new PtxCompiler();
        var ptx = compiler.Compile(KernelCatalog.Get(kernel), sm);
        var folder = Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), "crs-codec-ptx")).FullName;
        var file = Path.Combine(folder, $"{kernel}.sm_{sm}.ptx");
        File.WriteAllText(file, ptx); // kept for reading when an assertion fails
        output.WriteLine(file);
        foreach (var forbidden in new[] { ".local", "div.approx", "div.full" })
            Assert.DoesNotContain(forbidden, ptx);
        Assert.DoesNotMatch(@"\b(fma|mad)(\.\w+)*\.f32", ptx); // integer mad.lo (the thread index) is fine
        var multiplies = Regex.Matches(ptx, @"\bmul(\.rn)?\.f32").Count;
        var adds = Regex.Matches(ptx, @"\b(add|sub)(\.rn)?\.f32").Count;
        switch (kernel)
        {
            case CodecKernels.Bf16EncodeName:
                Assert.Matches(@"st\.global\.[bu]16", ptx);
                Assert.Equal((0, 0), (multiplies, adds));
                break;
            case CodecKernels.Bf16DecodeName:
                Assert.Matches(@"ld\.global\.[bu]16", ptx);
                Assert.Equal((0, 0), (multiplies, adds));
                break;
            case CodecKernels.Int8EncodeName:
                Assert.Matches(@"st\.global\.[bsu]8", ptx);
                Assert.Contains("div.rn.f32", ptx);
                Assert.Contains("bar.sync", ptx);
                Assert.Equal(0, multiplies);
                Assert.Equal(2, adds); // the rounding shift, in and out
                break;
            case CodecKernels.Int8DecodeName:
                Assert.Matches(@"ld\.global\.[bsu]8", ptx);
                Assert.Equal((1, 0), (multiplies, adds));
                break;
        }

        if (Ptxas.Find() is { } ptxas)
        {
            var report = Ptxas.Assemble(ptxas, file, sm);
            Assert.True(report.Registers > 0);
            Assert.Equal(0, report.SpillStoreBytes);
        }
    }
}
