namespace CrsIlgpu.Kernels.Tests.Gemm;

/// <summary>
/// The packed CPU GEMM against the reference. Shapes straddle the MR/NR panel edges, the KC
/// K-block (K &gt; 256 and K &gt; 512) and the multi-threaded split.
/// </summary>
public class GemmCpuTests
{
    public static TheoryData<GemmLayout, int, int, int, int> Shapes()
    {
        var data = new TheoryData<GemmLayout, int, int, int, int>();
        foreach (GemmLayout layout in Enum.GetValues<GemmLayout>())
        {
            data.Add(layout, 1, 1, 1, 1);
            data.Add(layout, 7, 13, 5, 1);
            data.Add(layout, 100, 37, 300, 1);
            data.Add(layout, 129, 257, 65, 1);
            data.Add(layout, 300, 200, 513, 1);
            data.Add(layout, 33, 65, 17, 3);
            data.Add(layout, 5, 9, 70, 1);
            data.Add(layout, 70, 9, 5, 1);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void MatchesReference(GemmLayout layout, int m, int n, int k, int batch)
    {
        Check(GemmProblem.Create(layout, m, n, k, batch), seed: m + 7 * n + 31 * k + batch, useVector512: null);
    }

    [Theory]
    [InlineData(GemmLayout.NN)]
    [InlineData(GemmLayout.NT)]
    [InlineData(GemmLayout.TN)]
    public void AlphaBetaAcrossKBlocks(GemmLayout layout)
    {
        // beta is applied once (first K block), later blocks accumulate: K = 600 has three blocks.
        Check(GemmProblem.Create(layout, 45, 70, 600, batch: 2, alpha: -1.25f, beta: 0.5f), seed: 11, useVector512: null);
    }

    [Theory]
    [InlineData(GemmLayout.NN)]
    [InlineData(GemmLayout.NT)]
    [InlineData(GemmLayout.TN)]
    public void Vector256PathMatchesReference(GemmLayout layout)
    {
        Check(GemmProblem.Create(layout, 100, 37, 300, batch: 2, alpha: 0.5f, beta: 2f), seed: 5, useVector512: false);
        Check(GemmProblem.Create(layout, 129, 257, 65), seed: 6, useVector512: false);
    }

    [Theory]
    [InlineData(GemmLayout.NN)]
    [InlineData(GemmLayout.NT)]
    [InlineData(GemmLayout.TN)]
    public void BetaZeroOverwritesNaN(GemmLayout layout)
    {
        var p = GemmProblem.Create(layout, 130, 70, 300, alpha: 2f);
        var (a, b, _) = GemmTestData.Inputs(p, seed: 9);
        var c = new float[p.ElementsC];
        Array.Fill(c, float.NaN);
        GemmCpu.Run(p, a, b, c);
        Assert.DoesNotContain(c, float.IsNaN);
        var expected = new float[c.Length];
        GemmReference.Run(p, a, b, expected);
        GemmTestData.AssertClose(p, a, b, expected, expected, c);
    }

    /// <summary>
    /// A small C over a long K (the weight-gradient shape: TN, K = the token rows) runs one slice of
    /// C per core, each over the whole K: by columns when N ≥ M, by rows otherwise, with ragged
    /// edges (N = 1,100 is not a multiple of the 32-column panel, M = 601 not of the 8-row one).
    /// The bytes must not depend on the thread count: slices cut at whole panels, and every element
    /// sums its K blocks in the same order as on one core. 129 × 257 × 65 (short K) takes the shared
    /// path, for the same check there.
    /// </summary>
    [Theory]
    [InlineData(GemmLayout.TN, 40, 1024, 2600)]
    [InlineData(GemmLayout.TN, 24, 1100, 1300)]
    [InlineData(GemmLayout.TN, 601, 40, 2600)]
    [InlineData(GemmLayout.NN, 40, 1100, 2600)]
    [InlineData(GemmLayout.NT, 601, 40, 2600)]
    [InlineData(GemmLayout.NN, 129, 257, 65)]
    public void SmallCLongKSlicesMatchReferenceWithTheSameBytesOnAnyThreadCount(GemmLayout layout, int m, int n, int k)
    {
        var p = GemmProblem.Create(layout, m, n, k, alpha: 0.75f, beta: -0.5f);
        var (a, b, c) = GemmTestData.Inputs(p, seed: m + n + k);
        var expected = (float[])c.Clone();
        GemmReference.Run(p, a, b, expected);
        var results = CpuThreadCounts.Each([1, 2, 3], () =>
        {
            var actual = (float[])c.Clone();
            GemmCpu.Run(p, a, b, actual);
            return actual;
        });
        GemmTestData.AssertClose(p, a, b, c, expected, results[1]);
        Assert.Equal(results[0], results[1]);
        Assert.Equal(results[0], results[2]);
    }

    [Fact]
    public void NonDenseBatchStridesLeavePaddingAlone()
    {
        var p = GemmProblem.Create(GemmLayout.NN, 20, 40, 30, batch: 3, beta: 1f) with
        {
            StrideA = 20 * 30 + 4,
            StrideB = 40 * 30 + 8,
            StrideC = 20 * 40 + 16,
        };
        var (a, b, c) = GemmTestData.Inputs(p, seed: 13);
        float[] expected = (float[])c.Clone();
        GemmReference.Run(p, a, b, expected);
        float[] actual = (float[])c.Clone();
        GemmCpu.Run(p, a, b, actual);
        // Padding elements are untouched in both, so an exact comparison there is meaningful too.
        GemmTestData.AssertClose(p, a, b, c, expected, actual);
        Assert.Equal(c[20 * 40 + 5], actual[20 * 40 + 5]);
    }

    private static void Check(GemmProblem p, int seed, bool? useVector512)
    {
        var (a, b, c) = GemmTestData.Inputs(p, seed);
        float[] expected = (float[])c.Clone();
        GemmReference.Run(p, a, b, expected);
        float[] actual = (float[])c.Clone();
        if (useVector512 is { } v)
            GemmCpu.Run(p, a, b, actual, v);
        else
            GemmCpu.Run(p, a, b, actual);
        GemmTestData.AssertClose(p, a, b, c, expected, actual);
    }
}
