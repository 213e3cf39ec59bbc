using CrsIlgpu.Kernels.Gemm;
using ILGPU;
using ILGPU.Backends.EntryPoints;
using ILGPU.Backends.PTX;
using ILGPU.Runtime;
using ILGPU.Runtime.Cuda;

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
        using var context = Context.Create(b => b.Cuda().Optimize(OptimizationLevel.O2));
        using var backend = new PTXBackend(
            context, new CudaCapabilityContext(CudaArchitecture.SM_90), CudaArchitecture.SM_90, CudaInstructionSet.ISA_80, null!);
        var entry = EntryPointDescription.FromExplicitlyGroupedKernel(GemmKernels.MethodFor(layout));
        var kernel = Assert.IsType<PTXCompiledKernel>(backend.Compile(entry, KernelSpecialization.Empty));
        string ptx = kernel.PTXAssembly;

        Assert.DoesNotContain(".local", ptx);
        Assert.Contains(".shared", ptx);
        Assert.True(Count(ptx, "bar.sync") >= 2, "expected a barrier before and after the tile compute");
        // 4 A values + 4 B values per k-step, and 16 multiply-adds into scalar accumulators.
        Assert.True(Count(ptx, "ld.shared.f32") >= 8, "expected 8 shared loads per k-step");
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
