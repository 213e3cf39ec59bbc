using CrsIlgpu.Kernels.Runtime.Memory;
using ILGPU.Runtime;

namespace CrsIlgpu.Kernels.Tests.Gemm;

/// <summary>
/// Split-K for the dense TN GEMM: the rule (a pure function of shape and SM count) at the ViT
/// weight-gradient shapes, the split kernels against the reference on the test accelerator (which
/// assumes an H200's 132 SMs, so it splits as the GPU would) — one real long-K case (K = 8,320,
/// vit-cifar-tiny's B·L) and scaled-down ones with batches, strides, alpha and beta — and the same
/// bytes on two runs.
/// </summary>
public class GemmSplitKTests
{
    private const int H200 = 132;

    /// <summary>vit-cifar-tiny b128 (K = 128·65 = 8,320) and vit-b16 b64 (K = 64·197 = 12,608) weight gradients, [Out × In].</summary>
    [Theory]
    [InlineData(192, 192, 8320, 32)]    // proj: 9 tiles → 32 groups (capped), 264 K each
    [InlineData(576, 192, 8320, 20)]    // qkv: 27 tiles → 20 groups
    [InlineData(768, 192, 8320, 15)]    // fc1: 36 tiles → 15 groups
    [InlineData(192, 768, 8320, 15)]    // fc2
    [InlineData(192, 48, 8192, 32)]     // patch embedding (48 = 3·4·4 inputs, K = 128·64 patches)
    [InlineData(768, 768, 12608, 4)]    // vit-b16 proj: 144 tiles → 4 groups
    [InlineData(3072, 768, 12608, 1)]   // vit-b16 fc1: the 128×128 kernel, 144 groups: no split
    [InlineData(192, 192, 300, 1)]      // short K: under 2 × 256 per group
    public void RuleSplitsVitWeightGradients(int m, int n, int k, int expected)
    {
        var p = GemmProblem.Create(GemmLayout.TN, m, n, k);
        int splits = GemmKernels.ChooseSplitK(p, H200);
        Assert.Equal(expected, splits);
        if (splits > 1)
        {
            int length = GemmKernels.SplitKLength(p, splits);
            Assert.Equal(0, length % GemmKernels.TileK);
            Assert.True(length >= GemmKernels.SplitKMinLength - GemmKernels.TileK || splits == GemmKernels.SplitKMaxGroups);
            // Every slice non-empty, all of K covered.
            Assert.True((long)(splits - 1) * length < k && (long)splits * length >= k);
        }
    }

    [Theory]
    [InlineData(GemmLayout.NN)]
    [InlineData(GemmLayout.NT)]
    public void OnlyTheTnLayoutSplits(GemmLayout layout) =>
        Assert.Equal(1, GemmKernels.ChooseSplitK(GemmProblem.Create(layout, 192, 192, 8320), H200));

    [Fact]
    public void FewerMultiprocessorsSplitLess()
    {
        var p = GemmProblem.Create(GemmLayout.TN, 768, 192, 8320);
        Assert.Equal(15, GemmKernels.ChooseSplitK(p, 132));
        Assert.Equal(4, GemmKernels.ChooseSplitK(p, 28));   // 112 groups / 36 tiles
        Assert.Equal(1, GemmKernels.ChooseSplitK(p, 9));    // 36 tiles already fill 4 × 9
    }

    [Fact]
    [KernelPath]
    public void LaunchShapeReportsGroupsPerLaunch()
    {
        var device = TestAccelerators.Kernels;
        Assert.Equal((GemmSplitKKernels.Name, 288L, 32), GemmOp.LaunchShape(device, GemmProblem.Create(GemmLayout.TN, 192, 192, 8320)));
        Assert.Equal(("gemm_nn", 16L, 1), GemmOp.LaunchShape(device, GemmProblem.Create(GemmLayout.NN, 256, 256, 64)));
        Assert.Equal(("gemm_tn_128", 144L, 1), GemmOp.LaunchShape(device, GemmProblem.Create(GemmLayout.TN, 3072, 768, 12608)));
        Assert.Equal(("gemm_tn", 0L, 1), GemmOp.LaunchShape(TestAccelerators.CpuBackend, GemmProblem.Create(GemmLayout.TN, 192, 192, 8320)));
    }

    [Fact]
    [KernelPath]
    public void DevicePathSplitsOnTheKernelPathOnly()
    {
        var p = GemmProblem.Create(GemmLayout.TN, 192, 192, 8320);
        Assert.Equal(32, GemmOp.SplitKFor(TestAccelerators.Kernels, p));
        Assert.Equal(GemmSplitKKernels.Name, GemmOp.KernelNameFor(TestAccelerators.Kernels, p));
        Assert.Equal(1, GemmOp.SplitKFor(TestAccelerators.CpuBackend, p));
    }

    /// <summary>
    /// A real long K: vit-cifar-tiny's patch-embedding weight gradient (192 × 48, K = 128 · 64 patches
    /// = 8,192), 32 groups of 256 K, through GemmOp on the shared kernel device.
    /// </summary>
    [Fact]
    [KernelPath]
    public void VitTinyPatchEmbeddingWeightGradientMatchesReference()
    {
        var p = GemmProblem.Create(GemmLayout.TN, 192, 48, 8192);
        Assert.Equal(32, GemmOp.SplitKFor(TestAccelerators.Kernels, p));
        var (a, b, c) = GemmTestData.Inputs(p, seed: 21);
        GemmTestData.AssertClose(p, a, b, c, Reference(p, a, b, c), RunOp(p, a, b, c, TestAccelerators.Kernels));
    }

    /// <summary>Scaled-down K (the CPU accelerator is slow) at qkv's output and a ragged batched shape, with padded strides, alpha and beta.</summary>
    [Theory]
    [KernelPath]
    [InlineData(576, 192, 520, 1, 1f, 0f)]      // qkv's output, K / 16: 2 groups
    [InlineData(130, 70, 777, 3, 1.5f, -0.5f)]  // ragged tiles and K, three batches: 3 groups
    public void ScaledShapesMatchReference(int m, int n, int k, int batch, float alpha, float beta)
    {
        var p = GemmProblem.Create(GemmLayout.TN, m, n, k, batch, alpha, beta);
        if (batch > 1)
            p = p with { StrideA = p.StrideA + 5, StrideB = p.StrideB + 3, StrideC = p.StrideC + 7 };
        int splits = GemmKernels.ChooseSplitK(p, H200);
        Assert.True(splits > 1, $"expected a split, got {splits}");
        var (a, b, c) = GemmTestData.Inputs(p, seed: m + n + k);
        GemmTestData.AssertClose(p, a, b, c, Reference(p, a, b, c), RunOp(p, a, b, c, TestAccelerators.Kernels));
    }

    /// <summary>The kernels directly, forced to 5 groups, against the reference (the launchers' own checks included).</summary>
    [Fact]
    [KernelPath]
    public void ForcedSplitMatchesReference()
    {
        var p = GemmProblem.Create(GemmLayout.TN, 70, 66, 300, alpha: 2f, beta: 1f);
        var (a, b, c) = GemmTestData.Inputs(p, seed: 5);
        var accelerator = TestAccelerators.Accelerator;
        using var da = accelerator.Allocate1D(a);
        using var db = accelerator.Allocate1D(b);
        using var dc = accelerator.Allocate1D(c);
        using var dw = accelerator.Allocate1D<float>(GemmSplitKKernels.WorkspaceLength(p, 5));
        GemmSplitKKernels.Launch(TestAccelerators.Kernels, p, da.View, db.View, dc.View, dw.View, 5);
        accelerator.Synchronize();
        GemmTestData.AssertClose(p, a, b, c, Reference(p, a, b, c), dc.GetAsArray1D());
        Assert.Throws<ArgumentException>(() => GemmSplitKKernels.Launch(TestAccelerators.Kernels, p, da.View, db.View, dc.View, dw.View, 6));
    }

    [Fact]
    [KernelPath]
    public void TwoRunsGiveTheSameBytes()
    {
        var p = GemmProblem.Create(GemmLayout.TN, 130, 70, 520, alpha: 0.75f, beta: 0.5f);
        Assert.True(GemmKernels.ChooseSplitK(p, H200) > 1);
        var (a, b, c) = GemmTestData.Inputs(p, seed: 99);
        var first = RunOp(p, a, b, c, TestAccelerators.Kernels);
        var second = RunOp(p, a, b, c, TestAccelerators.Kernels);
        Assert.Equal(first.Select(BitConverter.SingleToUInt32Bits), second.Select(BitConverter.SingleToUInt32Bits));
    }

    [Fact]
    public void WorkspaceComesFromThePoolAsWorkspace()
    {
        // The planning device makes the kernel path's allocations without launching: the partials are a Workspace block.
        using var planner = DeviceContext.CreatePlanner();
        var p = GemmProblem.Create(GemmLayout.TN, 192, 192, 8320);
        using var a = new Tensor(planner.Pool, MemoryTag.Activations, "a", 8320, 192);
        using var b = new Tensor(planner.Pool, MemoryTag.Activations, "b", 8320, 192);
        using var c = new Tensor(planner.Pool, MemoryTag.Gradients, "c", 192, 192);
        planner.Pool.ResetPeak();
        GemmOp.Run(planner, p, a, b, c);
        Assert.Equal(4L * 32 * 192 * 192, planner.Pool.PeakBytes(MemoryTag.Workspace));
        Assert.Equal(0L, planner.Pool.LiveBytes(MemoryTag.Workspace));
    }

    private static float[] Reference(GemmProblem p, float[] a, float[] b, float[] c)
    {
        var expected = (float[])c.Clone();
        GemmReference.Run(p, a, b, expected);
        return expected;
    }

    private static float[] RunOp(GemmProblem p, float[] a, float[] b, float[] c, DeviceContext device)
    {
        using var ta = TestData.Tensor(device, a, a.Length);
        using var tb = TestData.Tensor(device, b, b.Length);
        using var tc = TestData.Tensor(device, c, c.Length);
        GemmOp.Run(device, p, ta, tb, tc);
        device.Synchronize();
        return tc.ToArray();
    }
}
