namespace CrsIlgpu.Kernels.Tests.Gemm;

/// <summary>
/// The TF32 tensor-core GEMM on the test accelerator: on the CPU accelerator every mma.sync runs
/// as the fragment-exact warp emulation (<see cref="WarpMma"/>), so a fragment-layout bug in the
/// kernel's shared-memory loads or its epilogue fails here. Sizes from {1, 7, 33, 65, 127, 128,
/// 129, 197, 768}, crossed sparsely so each lands on M, N and K (tile edges at 127/128/129, odd
/// leading dimensions on the scalar path, multiples of 4 on the quad path); the emulation costs a
/// dozen warp shuffles per mma on the CPU, so the long sides are not combined.
/// </summary>
public class GemmTf32KernelTests
{
    /// <summary>Every layout: tile edges (127/128/129 on K, 129 past a row tile), K = 1 and 8, ragged sizes.</summary>
    private static readonly (int M, int N, int K)[] CommonShapes =
    [
        (1, 1, 1),
        (7, 33, 65),
        (127, 128, 129),
        (129, 65, 33),
        (197, 127, 1),
        (33, 197, 8),
    ];

    /// <summary>One layout each, so every size of the set lands on M, N and K somewhere: 768 on each side.</summary>
    private static readonly (GemmLayout Layout, int M, int N, int K)[] RotatingShapes =
    [
        (GemmLayout.NN, 128, 128, 128),
        (GemmLayout.NN, 768, 7, 33),
        (GemmLayout.NT, 65, 129, 7),
        (GemmLayout.NT, 1, 768, 128),
        (GemmLayout.TN, 33, 7, 127),
        (GemmLayout.TN, 7, 1, 768),
    ];

    public static TheoryData<GemmLayout, int, int, int> Shapes()
    {
        var data = GemmTestData.EveryLayout(CommonShapes);
        foreach (var (layout, m, n, k) in RotatingShapes)
            data.Add(layout, m, n, k);
        return data;
    }

    [Theory]
    [KernelPath]
    [MemberData(nameof(Shapes))]
    public void MatchesReference(GemmLayout layout, int m, int n, int k)
    {
        Check(GemmProblem.Create(layout, m, n, k), seed: m * 7919 + n * 31 + k);
    }

    [Theory]
    [KernelPath]
    [InlineData(GemmLayout.NN)]
    [InlineData(GemmLayout.NT)]
    [InlineData(GemmLayout.TN)]
    public void BatchedAlphaBetaAlignedMatchesReference(GemmLayout layout)
    {
        Check(GemmTestData.AlignedBatchedAlphaBeta(layout), seed: 42);
    }

    [Theory]
    [KernelPath]
    [InlineData(GemmLayout.NN)]
    [InlineData(GemmLayout.NT)]
    [InlineData(GemmLayout.TN)]
    public void NonDenseBatchStridesAndOddLeadingDimensionsMatchReference(GemmLayout layout)
    {
        // Leading dimensions 69 / 37 / 13 (not multiples of 4: the scalar path) and batch strides with
        // padding that must be neither read into the product nor written.
        var p = GemmProblem.Create(layout, 69, 37, 13, batch: 2, alpha: 0.5f, beta: 2f) with
        {
            StrideA = 69 * 13 + 3,
            StrideB = 37 * 13 + 5,
            StrideC = 69 * 37 + 7,
        };
        Assert.Equal(0, GemmLargeKernels.VectorFlags(p, 0, 0, 0));
        Check(p, seed: 7);
    }

    /// <summary>vit-cifar-tiny's attention (L = 65 tokens, head dim 64), batched: Q·Kᵀ (NT), A·V (NN), Aᵀ·dO (TN).</summary>
    [Theory]
    [KernelPath]
    [InlineData(GemmLayout.NT, 65, 65, 64)]
    [InlineData(GemmLayout.NN, 65, 64, 65)]
    [InlineData(GemmLayout.TN, 65, 64, 65)]
    public void VitAttentionShapeBatchedMatchesReference(GemmLayout layout, int m, int n, int k)
    {
        Check(GemmProblem.Create(layout, m, n, k, batch: 2, alpha: 0.125f), seed: 11);
    }

    [Theory]
    [KernelPath]
    [InlineData(GemmLayout.NN)]
    [InlineData(GemmLayout.TN)]
    public void BetaZeroOverwritesNaN(GemmLayout layout)
    {
        var p = GemmProblem.Create(layout, 33, 40, 9, alpha: 2f, beta: 0f);
        var (a, b, _) = GemmTestData.Inputs(p, seed: 3);
        var c = new float[p.ElementsC];
        Array.Fill(c, float.NaN);
        GemmTestData.AssertCloseTf32(p, a, b, new float[c.Length], RunKernel(p, a, b, c));
    }

    [Theory]
    [KernelPath]
    [InlineData(GemmLayout.NN)]
    [InlineData(GemmLayout.NT)]
    [InlineData(GemmLayout.TN)]
    public void InputsAreRoundedToTf32(GemmLayout layout)
    {
        // 1 + 2^-12 is below TF32's half ulp at 1 (2^-11): each input rounds to 1, so every output is
        // exactly K = 24, where fp32 gives 24·(1 + 2^-12)² ≈ 24.0117. 1 + 3·2^-12 rounds up to 1 + 2^-10.
        var p = GemmProblem.Create(layout, 20, 12, 24);
        var a = Enumerable.Repeat(1f + MathF.Pow(2, -12), (int)p.ElementsA).ToArray();
        var b = Enumerable.Repeat(1f + MathF.Pow(2, -12), (int)p.ElementsB).ToArray();
        Assert.All(RunKernel(p, a, b, new float[p.ElementsC]), v => Assert.Equal(24f, v));
        Array.Fill(a, 1f + 3 * MathF.Pow(2, -12));
        Array.Fill(b, 1f);
        Assert.All(RunKernel(p, a, b, new float[p.ElementsC]), v => Assert.Equal(24f * (1f + MathF.Pow(2, -10)), v));
    }

    private static void Check(GemmProblem p, int seed)
    {
        var (a, b, c) = GemmTestData.Inputs(p, seed);
        GemmTestData.AssertCloseTf32(p, a, b, c, RunKernel(p, a, b, c));
    }

    internal static float[] RunKernel(GemmProblem p, float[] a, float[] b, float[] c) =>
        GemmTestData.RunOnTestAccelerator(p, a, b, c, (q, da, db, dc) => GemmTf32Kernels.Launch(TestAccelerators.Kernels, q, da, db, dc));
}
