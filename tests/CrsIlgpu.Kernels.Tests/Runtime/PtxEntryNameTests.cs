using System.Text.RegularExpressions;

namespace CrsIlgpu.Kernels.Tests.Runtime;

public class PtxEntryNameTests
{
    /// <summary>The name docs tell users to give `ncu --kernel-name` is the one ILGPU writes into the PTX.</summary>
    [Fact]
    public void EveryCatalogKernelsPtxEntryIsItsPtxEntryName()
    {
        using var compiler = new PtxCompiler();
        foreach (var kernel in KernelCatalog.All)
        {
            var ptx = compiler.Compile(kernel, 80);
            var entries = Regex.Matches(ptx, @"\.entry\s+([A-Za-z_][A-Za-z0-9_$]*)").Select(m => m.Groups[1].Value).ToList();
            Assert.True(entries.Count == 1 && entries[0] == kernel.PtxEntryName,
                $"{kernel.Name}: PTX entries [{string.Join(", ", entries)}], expected {kernel.PtxEntryName}");
        }
    }

    [Fact]
    public void PtxEntryNamesAreUniqueSoARegexCanPickOneKernel() =>
        Assert.Equal(KernelCatalog.All.Count, KernelCatalog.All.Select(k => k.PtxEntryName).Distinct().Count());
}
