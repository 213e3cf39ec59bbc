using static CrsIlgpu.Kernels.Tests.Sampling.WtaCrsSelectionOpTests;

namespace CrsIlgpu.Kernels.Tests.Sampling;

/// <summary>
/// The biased top-k baseline (<see cref="WtaCrsEstimator.TopK"/>, issue 18 item 5): exactly the k
/// largest scores (ties to the lower row), every scale 1, c = k, no draws — so the same rows at every
/// seed and step — on the reference, the CPU backend and both kernel paths; the estimate is the plain
/// sum over those rows, which misses the rest of the mass.
/// </summary>
public class WtaCrsTopKSelectionTests : DeviceTests
{
    private const uint Layer = 9;

    /// <summary>Scores that normalisation by Σ could round together: 1-ulp neighbours, shuffled.</summary>
    private static float[] NearTies(int n, int seed)
    {
        var values = new float[n];
        var v = 1f;
        for (var i = 0; i < n; i++)
        {
            values[i] = v;
            v = MathF.BitIncrement(v);
        }
        new Random(seed).Shuffle(values);
        return values;
    }

    private static float[] Pattern(string pattern, int n, int seed) => pattern == "near-ties" ? NearTies(n, seed) : Scores(pattern, n, seed);

    /// <summary>
    /// Indices of the k largest s_i, ties to the lower row: an independent statement of top-k. k ≥ N keeps
    /// every row in row order, as the unbiased estimator does (ρ = 1 is exact either way).
    /// </summary>
    private static int[] TopRows(float[] scores, int k) => k >= scores.Length
        ? Enumerable.Range(0, scores.Length).ToArray()
        : Enumerable.Range(0, scores.Length).OrderByDescending(i => scores[i]).ThenBy(i => i).Take(k).ToArray();

    public static TheoryData<string, int, double> ReferenceCases => new()
    {
        { "heavy", 300, 0.1 }, { "heavy", 1500, 0.25 }, { "ties", 333, 0.3 }, { "sparse", 140, 0.4 }, { "near-ties", 500, 0.3 },
        { "uniform", 64, 0.5 }, { "zero", 50, 0.3 }, { "heavy", 7, 0.5 },
    };

    [Theory]
    [MemberData(nameof(ReferenceCases))]
    public void TheReferenceKeepsTheKLargestScoresWithScaleOneAndNoDraws(string pattern, int n, double rho)
    {
        var scores = Pattern(pattern, n, n + 5);
        var k = WtaCrsBudget.For(n, rho);
        var expected = TopRows(scores, k);
        foreach (var (seed, step) in new[] { (1u, 0ul), (2u, 7ul), (99u, 123456ul) })
        {
            var result = WtaCrsSelectionReference.Select(scores, k, seed, step, Layer, WtaCrsEstimator.TopK);
            Assert.Equal(expected, result.Indices);
            Assert.All(result.Scales, s => Assert.Equal(1f, s));
            Assert.Equal(k, result.Winners);
        }
        // The unbiased estimator on the same scores does draw (heavy tails: some winners, then draws).
        if (pattern == "heavy" && n > 100)
            Assert.True(WtaCrsSelectionReference.Select(scores, k, 1, 0, Layer).Winners < k);
    }

    [Fact]
    public void NormPairsRankByTheirFloatProduct()
    {
        var first = Scores("heavy", 400, 1);
        var second = Scores("heavy", 400, 2);
        var k = WtaCrsBudget.For(400, 0.3);
        var products = first.Select((f, i) => f * second[i]).ToArray();
        var result = WtaCrsSelectionReference.SelectFromNorms(first, second, k, 3, 4, Layer, WtaCrsEstimator.TopK);
        Assert.Equal(TopRows(products, k), result.Indices);
    }

    public static TheoryData<string, string, int, double> PathCases
    {
        get
        {
            var data = new TheoryData<string, string, int, double>();
            foreach (var path in new[] { "cpu", "one-group", "device-wide" })
                foreach (var (pattern, n, rho) in new[] { ("heavy", 300, 0.1), ("ties", 1025, 0.05), ("near-ties", 5000, 0.3),
                    ("sparse", 4200, 0.2), ("zero", 50, 0.3), ("heavy", 37, 1.0) })
                    data.Add(path, pattern, n, rho);
            return data;
        }
    }

    [Theory]
    [KernelPath]
    [MemberData(nameof(PathCases))]
    public void EveryPathPicksTheReferenceRows(string path, string pattern, int n, double rho)
    {
        var device = path == "cpu" ? TestAccelerators.CpuBackend : TestAccelerators.Kernels;
        var route = path switch
        {
            "device-wide" => WtaCrsSelectionPath.DeviceWide,
            "one-group" => WtaCrsSelectionPath.GroupPerProblem,
            _ => WtaCrsSelectionPath.Auto,
        };
        var first = Pattern(pattern, n, n + 1);
        var second = Pattern(pattern == "zero" ? "zero" : "heavy", n, n + 2);
        var k = WtaCrsBudget.For(n, rho);
        using var a = TestData.Tensor(device, first, n);
        using var g = TestData.Tensor(device, second, n);
        using var output = new WtaCrsSelectionBuffers(device.Pool, k);
        WtaCrsSelectionOp.SelectFromNorms(device, a, g, output, 11, 5, Layer, path: route, estimator: WtaCrsEstimator.TopK);
        var expected = WtaCrsSelectionReference.SelectFromNorms(first, second, k, 11, 5, Layer, WtaCrsEstimator.TopK);
        AssertSame(expected, output.IndicesToArray(), output.ScalesToArray(), output.WinnersToHost(), $"{path} {pattern} N={n}");
        Assert.Equal(TopRows(first.Select((f, i) => f * second[i]).ToArray(), k), expected.Indices);
    }

    [Theory]
    [KernelPath]
    [InlineData("cpu")]
    [InlineData("kernels")]
    public void TheBatchedSelectionKeepsEachProblemsTopRows(string deviceName)
    {
        var device = Device(deviceName);
        const int problems = 5, l = 33;
        var scores = Enumerable.Range(0, problems).SelectMany(b => Pattern(b % 2 == 0 ? "heavy" : "near-ties", l, 40 + b)).ToArray();
        var k = WtaCrsBudget.For(l, 0.3);
        using var input = TestData.Tensor(device, scores, problems, l);
        using var output = WtaCrsSelectionBuffers.Batched(device.Pool, problems, k);
        WtaCrsSelectionOp.SelectBatched(device, input, output, 3, 8, Layer, estimator: WtaCrsEstimator.TopK);
        var indices = output.IndicesToArray();
        Assert.All(output.ScalesToArray(), s => Assert.Equal(1f, s));
        Assert.All(output.WinnersToArray(), c => Assert.Equal(k, c));
        for (var b = 0; b < problems; b++)
            Assert.Equal(TopRows(scores[(b * l)..((b + 1) * l)], k), indices[(b * k)..((b + 1) * k)]);
    }

    /// <summary>
    /// C_b = Σ_i A_b[i]ᵀ B_b[i] estimated by top-k is exactly the sum over the k rows of largest
    /// ‖A_i‖·‖B_i‖ (rows scaled apart so the ranking is clear in any precision) — and not the full sum.
    /// </summary>
    [Theory]
    [KernelPath]
    [InlineData("cpu")]
    [InlineData("kernels")]
    public void TheTopKEstimateIsThePlainSumOverTheKeptRows(string deviceName)
    {
        var device = Device(deviceName);
        const int problems = 3, l = 40, m = 6, n = 5;
        const float alpha = 0.5f;
        var random = new Random(17);
        var a = new float[problems * l * m];
        var b = new float[problems * l * n];
        var weight = new double[problems * l];
        for (var p = 0; p < problems; p++)
        {
            var order = Enumerable.Range(0, l).ToArray();
            random.Shuffle(order);
            for (var i = 0; i < l; i++)
            {
                var row = p * l + i;
                weight[row] = Math.Pow(1.15, order[i]); // distinct by 15%: the ranking of ‖A_i‖·‖B_i‖ is clear
                for (var j = 0; j < m; j++)
                    a[row * m + j] = (float)(weight[row] * (0.5 + random.NextDouble()) / Math.Sqrt(m));
                for (var j = 0; j < n; j++)
                    b[row * n + j] = (float)((random.NextDouble() * 2 - 1) * 0.1 + (j == 0 ? 1 : 0));
            }
        }
        var k = WtaCrsBudget.For(l, 0.3);
        using var ta = TestData.Tensor(device, a, problems, l, m);
        using var tb = TestData.Tensor(device, b, problems, l, n);
        using var tc = TestData.Tensor(device, new float[problems * m * n], problems, m, n);
        WtaCrsBatchedEstimateOp.Estimate(device, ta, tb, tc, k, 5, 6, Layer, alpha, WtaCrsEstimator.TopK);
        var estimate = tc.ToArray();

        double worstMissing = 0;
        for (var p = 0; p < problems; p++)
        {
            var norms = Enumerable.Range(0, l).Select(i => Norm(a, (p * l + i) * m, m) * Norm(b, (p * l + i) * n, n)).ToArray();
            var kept = Enumerable.Range(0, l).OrderByDescending(i => norms[i]).Take(k).ToHashSet();
            for (var x = 0; x < m; x++)
            {
                for (var y = 0; y < n; y++)
                {
                    double partial = 0, full = 0;
                    for (var i = 0; i < l; i++)
                    {
                        var term = (double)a[(p * l + i) * m + x] * b[(p * l + i) * n + y];
                        full += term;
                        if (kept.Contains(i))
                            partial += term;
                    }
                    var got = estimate[(p * m + x) * n + y];
                    Assert.True(Math.Abs(got - alpha * partial) <= 1e-5 * (1 + Math.Abs(alpha * partial)),
                        $"problem {p} C[{x},{y}] = {got}, top-k sum {alpha * partial}");
                    worstMissing = Math.Max(worstMissing, Math.Abs(alpha * (full - partial)));
                }
            }
        }
        Assert.True(worstMissing > 0.1, $"the top-k sum should miss the dropped rows' mass, missed at most {worstMissing}");
    }

    private static double Norm(float[] values, int start, int length)
    {
        double sum = 0;
        for (var i = 0; i < length; i++)
            sum += (double)values[start + i] * values[start + i];
        return Math.Sqrt(sum);
    }
}
