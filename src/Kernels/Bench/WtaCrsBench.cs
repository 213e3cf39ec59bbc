using CrsIlgpu.Kernels.Gemm;
using CrsIlgpu.Kernels.Runtime.Memory;
using CrsIlgpu.Kernels.Sampling;

namespace CrsIlgpu.Kernels.Bench;

/// <summary>
/// `crs bench wtacrs`: the WTA-CRS weight gradient of an MLP fc1 (x [N, D], dy [N, 4D], dW [4D, D])
/// at ViT sizes and several keep ratios: row norms, device selection and the sampled GEMM, each
/// timed, against the dense weight-gradient GEMM in the same run, plus the estimator's relative
/// error. Rows get heavy-tailed (lognormal) norms, as activations and gradients have.
/// </summary>
public static class WtaCrsBench
{
    public static IReadOnlyList<WtaCrsBenchRow> Run(DeviceContext device, IReadOnlyList<OpBenchSize> sizes, IReadOnlyList<double> ratios,
        Action<string>? progress = null)
    {
        var rows = new List<WtaCrsBenchRow>();
        foreach (var size in sizes)
        {
            int n = size.Rows, din = size.Dim, dout = 4 * size.Dim;
            using var x = BenchData.Tensor(device, HeavyTailed(n, din, 1), n, din);
            using var g = BenchData.Tensor(device, HeavyTailed(n, dout, 2), n, dout);
            using var dense = new Tensor(device.Pool, MemoryTag.Workspace, "bench.dw_dense", dout, din);
            using var estimate = new Tensor(device.Pool, MemoryTag.Workspace, "bench.dw_sampled", dout, din);
            using var xNorms = new Tensor(device.Pool, MemoryTag.Workspace, "bench.x_norms", n);
            using var gNorms = new Tensor(device.Pool, MemoryTag.Workspace, "bench.g_norms", n);

            progress?.Invoke($"{size.Name}: dense weight gradient");
            var denseProblem = GemmProblem.Create(GemmLayout.TN, dout, din, n);
            var denseTime = BenchTimer.Measure(() => GemmOp.Run(device, denseProblem, g, x, dense), device.Synchronize, 0.3, 0.5);
            var exact = dense.ToArray();

            foreach (var ratio in ratios)
            {
                progress?.Invoke($"{size.Name}: rho = {ratio}");
                var k = WtaCrsBudget.For(n, ratio);
                using var selection = new WtaCrsSelectionBuffers(device.Pool, k);
                var step = 0UL;
                var norms = BenchTimer.Measure(() =>
                {
                    RowNormsOp.Run(device, x, xNorms);
                    RowNormsOp.Run(device, g, gNorms);
                }, device.Synchronize, 0.2, 0.3);
                var select = BenchTimer.Measure(() => WtaCrsSelectionOp.SelectFromNorms(device, xNorms, gNorms, selection, 1, step++,
                    0), device.Synchronize, 0.2, 0.3);
                var gemm = BenchTimer.Measure(() => SampledGemmOp.Gather(device, g, x, selection.Indices, selection.Scales,
                    estimate), device.Synchronize, 0.2, 0.3);
                var (path, launches, groups) = Describe(WtaCrsSelectionOp.Plan(device, 1, n, k));
                rows.Add(new WtaCrsBenchRow(size.Name, n, din, dout, ratio, k, norms.MeanMs, select.MeanMs, gemm.MeanMs, denseTime.MeanMs,
                    RelativeError(exact, estimate.ToArray()), path, launches, groups));
            }
        }
        return rows;
    }

    /// <summary>(path, launches, groups) of one selection: "cpu", 0, 0 on the CPU backend.</summary>
    internal static (string Path, int Launches, int Groups) Describe(WtaCrsSelectionPlan? plan) =>
        plan is null ? ("cpu", 0, 0) : (plan.Path.ToString(), plan.Launches.Count, plan.TotalGroups);

    /// <summary>Uniform entries with each row scaled by exp(N(0, 1)): a few rows carry most of the norm.</summary>
    internal static float[] HeavyTailed(int rows, int cols, int seed)
    {
        var data = BenchData.Uniform(rows * cols, seed);
        var random = new Random(seed + 100);
        for (var r = 0; r < rows; r++)
        {
            var z = Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
            var scale = (float)Math.Exp(z);
            for (var c = 0; c < cols; c++)
                data[r * cols + c] *= scale;
        }
        return data;
    }

    internal static double RelativeError(float[] exact, float[] estimate)
    {
        double diff = 0, norm = 0;
        for (var i = 0; i < exact.Length; i++)
        {
            diff += Math.Pow((double)exact[i] - estimate[i], 2);
            norm += Math.Pow(exact[i], 2);
        }
        return Math.Sqrt(diff / norm);
    }
}
