using static CrsIlgpu.Kernels.Tests.Gemm.GemmPtxLoop;

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
        string ptx = Ptx(GemmKernels.NameFor(layout), 90);

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

    [Theory]
    [MemberData(nameof(EveryLayoutOnSm80And90), MemberType = typeof(GemmPtxLoop))]
    public void LargeTileKernelUsesVectorLoadsAndKeepsSixteenMultiplyAddsPerSharedLoad(GemmLayout layout, int sm)
    {
        string ptx = Ptx(GemmLargeKernels.NameFor(layout), sm);

        // 64 accumulators, fragments and prefetch registers all in registers: no local memory at all.
        Assert.DoesNotContain(".local", ptx);
        Assert.Contains("ld.global.v4.f32", ptx);
        Assert.Contains("ld.shared.v4.f32", ptx);
        // Double-buffered: one barrier after the first tile, one per K-step.
        Assert.Equal(2, Count(ptx, "bar.sync"));

        var loop = GemmPtxLoop.InnerLoop(ptx);
        // Per k: two A quads and two B quads, each one 128-bit shared load, nothing scalar.
        Assert.Equal(4, Count(loop.Body, "ld.shared.v4.f32"));
        Assert.Equal(4, loop.SharedLoads);
        // 8×8 outer product per k: 64 multiply-adds, i.e. 16 per shared-load instruction (the issue asks ≥ 8).
        Assert.Equal(64, loop.MultiplyAdds);
        Assert.True(loop.MultiplyAdds >= 8 * loop.SharedLoads, $"{loop.MultiplyAdds} multiply-adds for {loop.SharedLoads} shared loads");
    }

    /// <summary>The sampled GEMM on the 128×128 tile keeps the dense kernel's inner loop: the gather only changes the global loads.</summary>
    [Theory]
    [InlineData(SampledGemmForm.Gather, 80)]
    [InlineData(SampledGemmForm.Gather, 90)]
    [InlineData(SampledGemmForm.PreSampled, 90)]
    public void SampledLargeTileKeepsTheDenseInnerLoop(SampledGemmForm form, int sm)
    {
        string ptx = Ptx(SampledGemmLargeKernels.NameFor(form), sm);

        Assert.DoesNotContain(".local", ptx);
        Assert.Contains("ld.global.v4.f32", ptx);
        Assert.Equal(2, Count(ptx, "bar.sync"));
        var loop = GemmPtxLoop.InnerLoop(ptx);
        Assert.Equal(4, Count(loop.Body, "ld.shared.v4.f32"));
        Assert.Equal(4, loop.SharedLoads);
        Assert.Equal(64, loop.MultiplyAdds);
    }

    [Fact]
    public void SmallTileKernelLoopIsCountedTheSameWay()
    {
        // The counter on the 64×64 kernel: 8 scalar shared loads for 16 multiply-adds per k (2 per load).
        var loop = GemmPtxLoop.InnerLoop(Ptx(GemmKernels.NameFor(GemmLayout.NN), 80));
        Assert.Equal(8, loop.SharedLoads);
        Assert.Equal(16, loop.MultiplyAdds);
    }
}
