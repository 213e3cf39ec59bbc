using ILGPU;
using ILGPU.Runtime;

namespace CrsIlgpu.Kernels.Tests.Gemm;

/// <summary>
/// The 128×128 kernel (and the 64×64 one at the same shapes) against <see cref="GemmReference"/>
/// on the test accelerator. Sizes come from {1, 7, 33, 65, 127, 128, 129, 197, 768}, crossed
/// sparsely: each size lands on M, N and K in some case, next to tile edges (127/128/129 one
/// row short of, on, and one past a 128 tile; 65 past a 64 tile) and odd leading dimensions
/// (7, 33, 65, 127, 129, 197: the scalar path) as well as multiples of 4 (128, 768: the quad path).
/// </summary>
public class GemmLargeKernelTests
{
    private static readonly (int M, int N, int K)[] SparseShapes =
    [
        (1, 1, 1),
        (7, 33, 65),
        (33, 7, 127),
        (65, 129, 7),
        (127, 128, 129),
        (128, 128, 128),
        (129, 65, 33),
        (197, 127, 1),
        (768, 7, 33),
        (1, 768, 128),
        (7, 1, 768),
        (129, 197, 8),
        (128, 256, 12),
    ];

    public static TheoryData<GemmTile, GemmLayout, int, int, int> Shapes()
    {
        var data = new TheoryData<GemmTile, GemmLayout, int, int, int>();
        foreach (GemmLayout layout in Enum.GetValues<GemmLayout>())
        {
            foreach (var (m, n, k) in SparseShapes)
                data.Add(GemmTile.Large128, layout, m, n, k);
            // The small kernel at the new edge sizes too (it stays the default for small problems).
            data.Add(GemmTile.Small64, layout, 127, 129, 65);
            data.Add(GemmTile.Small64, layout, 197, 33, 7);
        }
        return data;
    }

    [Theory]
    [KernelPath]
    [MemberData(nameof(Shapes))]
    public void MatchesReference(GemmTile tile, GemmLayout layout, int m, int n, int k)
    {
        Check(GemmProblem.Create(layout, m, n, k), tile, seed: m * 7919 + n * 31 + k);
    }

    /// <summary>Attention's batched shape (L = 197 tokens, head dim 64): Q·Kᵀ (NT), A·V (NN), Aᵀ·dO (TN).</summary>
    [Theory]
    [KernelPath]
    [InlineData(GemmLayout.NT, 197, 197, 64)]
    [InlineData(GemmLayout.NN, 197, 64, 197)]
    [InlineData(GemmLayout.TN, 197, 64, 197)]
    public void VitAttentionShapeBatchedMatchesReference(GemmLayout layout, int m, int n, int k)
    {
        Check(GemmProblem.Create(layout, m, n, k, batch: 2, alpha: 0.125f), GemmTile.Large128, seed: 11);
    }

    /// <summary>A skinny ViT linear: many token rows (M = B·L), few features (vit-cifar-tiny fc2 backward: N = 192).</summary>
    [Theory]
    [KernelPath]
    [InlineData(GemmLayout.NT)]
    [InlineData(GemmLayout.TN)]
    public void VitSkinnyLinearShapeMatchesReference(GemmLayout layout)
    {
        Check(GemmProblem.Create(layout, 520, 192, 12), GemmTile.Large128, seed: 13);
    }

    [Theory]
    [KernelPath]
    [InlineData(GemmLayout.NN)]
    [InlineData(GemmLayout.NT)]
    [InlineData(GemmLayout.TN)]
    public void BatchedAlphaBetaAlignedMatchesReference(GemmLayout layout)
    {
        Check(GemmTestData.AlignedBatchedAlphaBeta(layout), GemmTile.Large128, seed: 42);
    }

    [Theory]
    [KernelPath]
    [InlineData(GemmLayout.NN)]
    [InlineData(GemmLayout.NT)]
    [InlineData(GemmLayout.TN)]
    public void NonDenseBatchStridesMatchReference(GemmLayout layout)
    {
        // Aligned leading dimensions, but batch strides off by 4 (quad path) and by 1..3 (scalar path).
        var aligned = GemmProblem.Create(layout, 132, 132, 16, batch: 2, alpha: 0.5f, beta: 2f) with
        {
            StrideA = 132 * 16 + 4,
            StrideB = 132 * 16 + 8,
            StrideC = 132 * 132 + 12,
        };
        Assert.Equal(7, GemmLargeKernels.VectorFlags(aligned, 0, 0, 0));
        Check(aligned, GemmTile.Large128, seed: 7);

        var ragged = aligned with { StrideA = 132 * 16 + 3, StrideB = 132 * 16 + 5, StrideC = 132 * 132 + 7 };
        Assert.Equal(0, GemmLargeKernels.VectorFlags(ragged, 0, 0, 0));
        Check(ragged, GemmTile.Large128, seed: 8);
    }

    [Theory]
    [KernelPath]
    [InlineData(GemmLayout.NN, 128, 128, 127)]
    [InlineData(GemmLayout.NN, 128, 129, 128)]
    [InlineData(GemmLayout.NT, 128, 131, 130)]
    [InlineData(GemmLayout.TN, 129, 128, 128)]
    [InlineData(GemmLayout.TN, 130, 126, 128)]
    public void LeadingDimensionsNotMultipleOf4TakeTheScalarPath(GemmLayout layout, int m, int n, int k)
    {
        var p = GemmProblem.Create(layout, m, n, k, alpha: 1f, beta: 0.5f);
        int ldA = layout == GemmLayout.TN ? m : k;
        int ldB = layout == GemmLayout.NT ? k : n;
        int flags = GemmLargeKernels.VectorFlags(p, 0, 0, 0);
        Assert.Equal(ldA % 4 == 0, (flags & GemmLargeKernels.VectorA) != 0);
        Assert.Equal(ldB % 4 == 0, (flags & GemmLargeKernels.VectorB) != 0);
        Assert.Equal(n % 4 == 0, (flags & GemmLargeKernels.VectorC) != 0);
        Check(p, GemmTile.Large128, seed: m + n + k);
    }

    [Theory]
    [KernelPath]
    [InlineData(1, false)]
    [InlineData(2, false)]
    [InlineData(4, true)]
    public void SubViewOffsetDecidesTheQuadPath(int offset, bool vector)
    {
        // The same aligned problem in buffers that start `offset` floats in: only a multiple of 4 may use quads.
        var p = GemmProblem.Create(GemmLayout.NN, 132, 136, 16, alpha: 1f, beta: 1f);
        var (a, b, c) = GemmTestData.Inputs(p, seed: offset);
        var expected = (float[])c.Clone();
        GemmReference.Run(p, a, b, expected);

        Accelerator accelerator = TestAccelerators.Accelerator;
        using var da = accelerator.Allocate1D<float>(a.Length + offset);
        using var db = accelerator.Allocate1D<float>(b.Length + offset);
        using var dc = accelerator.Allocate1D<float>(c.Length + offset);
        var va = da.View.SubView(offset, a.Length);
        var vb = db.View.SubView(offset, b.Length);
        var vc = dc.View.SubView(offset, c.Length);
        va.CopyFromCPU(a);
        vb.CopyFromCPU(b);
        vc.CopyFromCPU(c);

        Assert.Equal(offset, GemmLargeKernels.ElementIndex(va));
        int flags = GemmLargeKernels.VectorFlags(p, GemmLargeKernels.ElementIndex(va), GemmLargeKernels.ElementIndex(vb), GemmLargeKernels.ElementIndex(vc));
        Assert.Equal(vector ? 7 : 0, flags);

        GemmKernels.Launch(TestAccelerators.Kernels, p, va, vb, vc, GemmTile.Large128);
        accelerator.Synchronize();
        GemmTestData.AssertClose(p, a, b, c, expected, vc.GetAsArray1D());
    }

    [Theory]
    [KernelPath]
    [InlineData(GemmLayout.NN)]
    [InlineData(GemmLayout.TN)]
    public void BetaZeroOverwritesNaN(GemmLayout layout)
    {
        var p = GemmProblem.Create(layout, 129, 132, 9, alpha: 2f, beta: 0f);
        var (a, b, _) = GemmTestData.Inputs(p, seed: 3);
        var c = new float[p.ElementsC];
        Array.Fill(c, float.NaN);
        var expected = new float[c.Length];
        GemmReference.Run(p, a, b, expected);
        GemmTestData.AssertClose(p, a, b, c, expected, RunKernel(p, a, b, c, GemmTile.Large128));
    }

    private static void Check(GemmProblem p, GemmTile tile, int seed) => GemmTestData.CheckFp32(p, seed, Launch(tile));

    private static float[] RunKernel(GemmProblem p, float[] a, float[] b, float[] c, GemmTile tile) =>
        GemmTestData.RunOnTestAccelerator(p, a, b, c, Launch(tile));

    private static Action<GemmProblem, ArrayView<float>, ArrayView<float>, ArrayView<float>> Launch(GemmTile tile) =>
        (p, a, b, c) => GemmKernels.Launch(TestAccelerators.Kernels, p, a, b, c, tile);
}
