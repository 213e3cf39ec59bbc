using CrsIlgpu.Kernels.Gemm;
using CrsIlgpu.Kernels.Runtime;

namespace CrsIlgpu.Kernels.Tests.Gemm;

/// <summary>
/// Compiles the kernels to PTX without a GPU (the PTX backend needs no driver). Guards the GPU
/// code shape: accumulators must stay in registers (no .local spill from arrays), tiles must go
/// through shared memory with barriers.
/// </summary>
public class GemmPtxTests
{
    [Theory]
    [InlineData(GemmLayout.NN)]
    [InlineData(GemmLayout.NT)]
    [InlineData(GemmLayout.TN)]
    public void CompilesToPtxWithoutLocalMemory(GemmLayout layout)
    {
        // The runtime's context and backend (PtxCompiler), so this checks the PTX that runs.
        using var compiler = new PtxCompiler();
        string ptx = compiler.Compile(KernelCatalog.Get(GemmKernels.NameFor(layout)), 90);

        Assert.DoesNotContain(".local", ptx);
        Assert.Contains(".shared", ptx);
        Assert.True(Count(ptx, "bar.sync") >= 2, "expected a barrier before and after the tile compute");
        // 4 A values + 4 B values per k-step, and 16 multiply-adds into scalar accumulators.
        Assert.True(Count(ptx, "ld.shared.f32") >= 8, "expected 8 shared loads per k-step");
        // The runtime's optimisation level infers address spaces: global loads, no generic ones.
        Assert.Contains("ld.global.f32", ptx);
        Assert.DoesNotContain("\tld.f32", ptx);
        Assert.True(Count(ptx, "mul.f32") + Count(ptx, "fma.rn.f32") >= 16, "expected 16 scalar multiply-adds per k-step");
    }

    private static int Count(string text, string token)
    {
        int count = 0;
        for (int i = text.IndexOf(token, StringComparison.Ordinal); i >= 0; i = text.IndexOf(token, i + token.Length, StringComparison.Ordinal))
            count++;
        return count;
    }
}
