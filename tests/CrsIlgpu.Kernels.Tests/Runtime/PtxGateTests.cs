using ILGPU;
using ILGPU.Runtime;

namespace CrsIlgpu.Kernels.Tests.Runtime;

public class PtxGateTests
{
    private static string? RequiredPtxas()
    {
        var ptxas = Ptxas.Find();
        // CI installs ptxas; there a missing assembler must fail the gate, not skip it.
        if (ptxas is null && Environment.GetEnvironmentVariable("CI") == "true")
            throw new InvalidOperationException("CI=true but ptxas is not installed; .ci/run must install it");
        return ptxas;
    }

    [Fact]
    public void EveryCatalogKernelCompilesForAmpereAndHopper()
    {
        Assert.NotEmpty(KernelCatalog.All);
        var ptxas = RequiredPtxas();
        var dir = Directory.CreateTempSubdirectory("crs-ptx-").FullName;
        var rows = PtxGate.Run(KernelCatalog.All, [80, 90], dir, ptxas);

        Assert.Equal(KernelCatalog.All.Count * 2, rows.Count);
        var failures = rows.Where(r => r.Failed).Select(r => $"{r.Kernel} {r.Arch}: {r.Error}").ToList();
        Assert.True(failures.Count == 0, string.Join("\n", failures));
        foreach (var row in rows)
        {
            Assert.Contains(".entry", File.ReadAllText(row.PtxFile!));
            if (ptxas is null)
                continue;
            Assert.Equal(PtxGate.Ok, row.Status);
            Assert.True(row.Report!.Registers > 0);
        }
    }

    private static void UsesManagedArray(Index1D i, ArrayView<int> x)
    {
        var local = new int[x.IntLength + 1];
        x[i] = local.Length;
    }

    [Fact]
    public void AKernelThatCannotCompileFailsTheGate()
    {
        var entry = new KernelEntry("bad_kernel", "test", typeof(PtxGateTests).GetMethod(nameof(UsesManagedArray),
            System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!, KernelGrouping.Implicit, "allocates a managed array");
        var dir = Directory.CreateTempSubdirectory("crs-ptx-").FullName;
        var row = Assert.Single(PtxGate.Run([entry], [80], dir, RequiredPtxas()));
        Assert.Equal(PtxGate.Failed, row.Status);
        Assert.False(string.IsNullOrEmpty(row.Error));
    }

    [Fact]
    public void PtxasReportIsParsed()
    {
        const string output = """
            ptxas info    : 0 bytes gmem
            ptxas info    : Compiling entry function 'Kernel_GemmNN' for 'sm_80'
            ptxas info    : Function properties for Kernel_GemmNN
                8 bytes stack frame, 16 bytes spill stores, 24 bytes spill loads
            ptxas info    : Used 40 registers, 4096 bytes smem, 412 bytes cmem[0]
            """;
        var report = Ptxas.Parse(output);
        Assert.Equal(new PtxasReport(40, 4096, 16, 24, 8), report);
    }

    [Theory]
    [InlineData("sm_80,sm_90", new[] { 80, 90 })]
    [InlineData("90", new[] { 90 })]
    public void ArchitecturesParse(string text, int[] expected) => Assert.Equal(expected, PtxGate.ParseArchitectures(text));

    [Theory]
    [InlineData("sm_12")]
    [InlineData("hopper")]
    [InlineData("")]
    public void UnknownArchitecturesAreUserErrors(string text) => Assert.Throws<CrsException>(() => PtxGate.ParseArchitectures(text));

    [Theory]
    [InlineData("gemm_nn")]
    [InlineData("softmax_forward")]
    [InlineData("selection_wtacrs")]
    public void TheGatesIsaChangesOnlyTheVersionLineOfWhatRuns(string name)
    {
        // At run time ILGPU writes the highest ISA the driver allows; the gate writes one its ptxas
        // accepts. Everything but the .version line must be the same PTX.
        var highest = ILGPU.Backends.PTX.PTXCodeGenerator.SupportedInstructionSets.Max();
        Assert.True(highest > PtxCompiler.GateInstructionSet);
        using var compiler = new PtxCompiler();
        var kernel = KernelCatalog.Get(name);
        // Parameter names and labels carry ILGPU's per-compilation ids (_a_123150, L_6739579): compare without them.
        static string[] Lines(string ptx) => System.Text.RegularExpressions.Regex.Replace(
            System.Text.RegularExpressions.Regex.Replace(ptx, @"\b(_[A-Za-z]\w*?)_\d+\b", "$1_#"), @"\bL_\d+\b", "L_#").Split('\n');
        var gate = Lines(compiler.Compile(kernel, 90));
        var runtime = Lines(compiler.Compile(kernel, 90, highest));

        Assert.Equal(gate.Length, runtime.Length);
        var differing = gate.Zip(runtime).Where(p => p.First != p.Second).ToList();
        var line = Assert.Single(differing);
        Assert.StartsWith(".version 7.8", line.First);
        Assert.StartsWith($".version {highest.Major}.{highest.Minor}", line.Second);
        Assert.Contains(".target sm_80", gate);
    }
}
