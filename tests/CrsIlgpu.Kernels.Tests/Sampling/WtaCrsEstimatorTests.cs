namespace CrsIlgpu.Kernels.Tests.Sampling;

/// <summary>
/// The WTA-CRS estimate of ∇W = Xᵀ G (DESIGN.md §3) built from <see cref="WtaCrsSelectionReference"/>
/// in plain double matrix products: Σ_t scale_t · X_{idx_t}ᵀ G_{idx_t}. Exact at ρ = 1, unbiased
/// (error of the mean ∝ draws^-1/2), lower variance than CRS and uniform sampling, and unlike top-k
/// its average over steps converges. All inputs and draws are seeded: the figures are fixed, and the
/// margins below are factors, not noise bands.
/// </summary>
public class WtaCrsEstimatorTests
{
    private const int Din = 8;
    private const int Dout = 6;
    private const uint Seed = 2024;
    private const uint Layer = 3;

    private sealed record Problem(int N, double[,] X, double[,] G, float[] Scores, double[,] Exact)
    {
        /// <summary>X rows scaled by a lognormal factor (σ = <paramref name="tail"/>) — heavy-tailed row norms; G Gaussian.</summary>
        public static Problem Make(int n, double tail, int seed)
        {
            var random = new Random(seed);
            var x = new double[n, Din];
            var g = new double[n, Dout];
            for (var i = 0; i < n; i++)
            {
                var factor = Math.Exp(tail * WtaCrsSelectionOpTests.Gaussian(random));
                for (var a = 0; a < Din; a++)
                    x[i, a] = (float)(factor * (0.3 + WtaCrsSelectionOpTests.Gaussian(random)));
                for (var b = 0; b < Dout; b++)
                    g[i, b] = (float)(0.2 + WtaCrsSelectionOpTests.Gaussian(random));
            }
            // The scores the layer would compute: ‖X_i‖·‖G_i‖ in float.
            var scores = new float[n];
            for (var i = 0; i < n; i++)
            {
                var xs = 0.0;
                var gs = 0.0;
                for (var a = 0; a < Din; a++)
                    xs += x[i, a] * x[i, a];
                for (var b = 0; b < Dout; b++)
                    gs += g[i, b] * g[i, b];
                scores[i] = (float)Math.Sqrt(xs) * (float)Math.Sqrt(gs);
            }
            var exact = new double[Din, Dout];
            for (var i = 0; i < n; i++)
                AddOuter(exact, x, g, i, 1.0);
            return new Problem(n, x, g, scores, exact);
        }

        public double[,] Estimate(int[] rows, IReadOnlyList<double> scales)
        {
            var estimate = new double[Din, Dout];
            for (var t = 0; t < rows.Length; t++)
                AddOuter(estimate, X, G, rows[t], scales[t]);
            return estimate;
        }

        public double[,] WtaCrs(int k, ulong step)
        {
            var selection = WtaCrsSelectionReference.Select(Scores, k, Seed, step, Layer);
            return Estimate(selection.Indices, selection.Scales.Select(s => (double)s).ToArray());
        }

        /// <summary>Column-row sampling without winners: k draws with probability p, scale 1/(k·p_j).</summary>
        public double[,] Crs(int k, Random random)
        {
            var total = Scores.Sum(s => (double)s);
            var cumulative = new double[N];
            var run = 0.0;
            for (var i = 0; i < N; i++)
                cumulative[i] = run += Scores[i] / total;
            var rows = new int[k];
            var scales = new double[k];
            for (var t = 0; t < k; t++)
            {
                var j = Array.BinarySearch(cumulative, random.NextDouble() * run);
                j = Math.Min(N - 1, j < 0 ? ~j : j);
                rows[t] = j;
                scales[t] = total / (k * (double)Scores[j]);
            }
            return Estimate(rows, scales);
        }

        /// <summary>Uniform sampling: k rows with replacement, scale N/k.</summary>
        public double[,] Uniform(int k, Random random)
        {
            var rows = Enumerable.Range(0, k).Select(_ => random.Next(N)).ToArray();
            return Estimate(rows, Enumerable.Repeat((double)N / k, k).ToArray());
        }

        /// <summary>The seed report's top-k: the k largest scores kept with scale 1 — biased.</summary>
        public double[,] TopK(int k)
        {
            var rows = Enumerable.Range(0, N).OrderByDescending(i => Scores[i]).ThenBy(i => i).Take(k).ToArray();
            return Estimate(rows, Enumerable.Repeat(1.0, k).ToArray());
        }

        public double RelativeError(double[,] estimate)
        {
            double diff = 0, norm = 0;
            for (var a = 0; a < Din; a++)
                for (var b = 0; b < Dout; b++)
                {
                    diff += (estimate[a, b] - Exact[a, b]) * (estimate[a, b] - Exact[a, b]);
                    norm += Exact[a, b] * Exact[a, b];
                }
            return Math.Sqrt(diff / norm);
        }
    }

    private static void AddOuter(double[,] target, double[,] x, double[,] g, int row, double scale)
    {
        for (var a = 0; a < Din; a++)
        {
            var xa = scale * x[row, a];
            for (var b = 0; b < Dout; b++)
                target[a, b] += xa * g[row, b];
        }
    }

    private static void Accumulate(double[,] sum, double[,] value)
    {
        for (var a = 0; a < Din; a++)
            for (var b = 0; b < Dout; b++)
                sum[a, b] += value[a, b];
    }

    private static double[,] Scaled(double[,] value, double factor)
    {
        var result = new double[Din, Dout];
        for (var a = 0; a < Din; a++)
            for (var b = 0; b < Dout; b++)
                result[a, b] = value[a, b] * factor;
        return result;
    }

    [Fact]
    public void FullKeepRatioIsExact()
    {
        var problem = Problem.Make(256, 1.5, 1);
        var k = WtaCrsBudget.For(256, 1.0);
        // Every row once with scale 1, in row order: the very sum that defined the exact result.
        Assert.Equal(0.0, problem.RelativeError(problem.WtaCrs(k, 0)));
    }

    /// <summary>
    /// The running mean over steps converges to Xᵀ G like draws^-1/2: the RMS (over 4 seeds' worth of
    /// independent step ranges) of its relative error at 50, 100, ..., 3200 draws, fitted in log-log,
    /// has slope in [−0.7, −0.3]. A biased estimator flattens to slope ≈ 0 once its bias dominates.
    /// </summary>
    [Fact]
    public void MeanOfManyDrawsConvergesAtInverseSquareRootRate()
    {
        const int n = 256;
        const int repeats = 4;
        var checkpoints = new[] { 50, 100, 200, 400, 800, 1600, 3200 };
        var problem = Problem.Make(n, 1.0, 2);
        var k = WtaCrsBudget.For(n, 0.1); // 25 of 256 rows
        var squared = new double[checkpoints.Length];
        for (var r = 0; r < repeats; r++)
        {
            var sum = new double[Din, Dout];
            var next = 0;
            for (var draw = 1; draw <= checkpoints[^1]; draw++)
            {
                Accumulate(sum, problem.WtaCrs(k, (ulong)(r * 100_000 + draw)));
                if (draw == checkpoints[next])
                {
                    var error = problem.RelativeError(Scaled(sum, 1.0 / draw));
                    squared[next++] += error * error / repeats;
                }
            }
        }
        var xs = checkpoints.Select(c => Math.Log(c)).ToArray();
        var ys = squared.Select(s => Math.Log(Math.Sqrt(s))).ToArray();
        var mx = xs.Average();
        var my = ys.Average();
        var slope = xs.Zip(ys).Sum(p => (p.First - mx) * (p.Second - my)) / xs.Sum(x => (x - mx) * (x - mx));
        Assert.InRange(slope, -0.7, -0.3);
        Assert.True(Math.Sqrt(squared[^1]) < 0.05, $"error after 3200 draws {Math.Sqrt(squared[^1])}");
    }

    /// <summary>
    /// Heavy-tailed rows (lognormal σ = 2), k = 25 of 256: over 400 estimates each, WTA-CRS's mean
    /// squared relative error is below 0.6× CRS's and 0.1× uniform sampling's (measured: 0.32, 0.81,
    /// 9.4; at σ = 1.5: 1.17 vs 1.69 for CRS, at σ = 2.5: 0.065 vs 0.42 — winners pay off more the
    /// heavier the tail).
    /// </summary>
    [Fact]
    public void VarianceIsBelowCrsAndUniformSamplingAtTheSameBudget()
    {
        const int n = 256;
        const int trials = 400;
        var problem = Problem.Make(n, 2.0, 3);
        var k = WtaCrsBudget.For(n, 0.1);
        var random = new Random(11);
        double wta = 0, crs = 0, uniform = 0;
        for (var t = 0; t < trials; t++)
        {
            wta += Math.Pow(problem.RelativeError(problem.WtaCrs(k, (ulong)t)), 2) / trials;
            crs += Math.Pow(problem.RelativeError(problem.Crs(k, random)), 2) / trials;
            uniform += Math.Pow(problem.RelativeError(problem.Uniform(k, random)), 2) / trials;
        }
        Assert.True(WtaCrsSelectionReference.Select(problem.Scores, k, Seed, 0, Layer).Winners > 0);
        var figures = $"MSE WTA-CRS {wta:g3}, CRS {crs:g3}, uniform {uniform:g3}";
        Assert.True(wta < 0.6 * crs, figures);
        Assert.True(wta < 0.1 * uniform, figures);
    }

    /// <summary>
    /// DESIGN.md's example (heavy-tailed rows, n = 4096, ρ = 0.5): one top-k estimate beats one
    /// WTA-CRS draw, which beats one CRS draw — but top-k is biased, so averaging over steps leaves
    /// its error where it is, while the mean of 200 WTA-CRS draws falls far below it. Measured
    /// (lognormal σ = 1.5 rows): top-k 0.052, WTA-CRS 0.094, CRS 0.349, mean of 200 WTA-CRS 0.0057
    /// (DESIGN.md: 0.05, 0.20, 0.59, 0.014) — the same ordering.
    /// </summary>
    [Fact]
    public void TopKIsBiasedWhileTheMeanOfWtaCrsDrawsConverges()
    {
        const int n = 4096;
        const int draws = 200;
        var problem = Problem.Make(n, 1.5, 4);
        var k = WtaCrsBudget.For(n, 0.5);
        var random = new Random(12);
        var topK = problem.RelativeError(problem.TopK(k)); // deterministic: its mean over steps is itself
        var sum = new double[Din, Dout];
        double wtaSingle = 0, crsSingle = 0;
        for (var t = 0; t < draws; t++)
        {
            var estimate = problem.WtaCrs(k, (ulong)t);
            Accumulate(sum, estimate);
            wtaSingle += problem.RelativeError(estimate) / draws;
            crsSingle += problem.RelativeError(problem.Crs(k, random)) / draws;
        }
        var wtaMean = problem.RelativeError(Scaled(sum, 1.0 / draws));
        var figures = $"top-k {topK:F3}, WTA-CRS single {wtaSingle:F3}, CRS single {crsSingle:F3}, mean of {draws} WTA-CRS {wtaMean:F4}";
        Assert.True(topK < wtaSingle && wtaSingle < crsSingle, figures);
        Assert.True(wtaMean < 0.25 * topK, figures);
        Assert.True(topK > 0.01, figures); // the bias is real, not rounding
    }
}
