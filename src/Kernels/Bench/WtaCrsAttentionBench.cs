using CrsIlgpu.Kernels.Gemm;
using CrsIlgpu.Kernels.Runtime.Memory;
using CrsIlgpu.Kernels.Sampling;

namespace CrsIlgpu.Kernels.Bench;

/// <summary>
/// The attention part of `crs bench wtacrs`: per (batch, head) of a ViT size, dV = Aᵀ dO and
/// dK = scale·dSᵀ Q as two dense batched TN GEMMs (what AttentionOp.Backward runs) against row norms
/// of A, dO, dS and Q, two batched selections (p ∝ ‖A_i‖·‖dO_i‖ and ‖dS_i‖·‖Q_i‖, k of L query rows
/// per problem) and two batched sampled GEMMs, at several keep ratios. A holds softmax rows, dO and dS
/// rows have lognormal norms (a few tokens carry most of the gradient).
/// </summary>
public static class WtaCrsAttentionBench
{
    public static IReadOnlyList<WtaCrsAttentionBenchRow> Run(DeviceContext device, IReadOnlyList<OpBenchSize> sizes, IReadOnlyList<double> ratios,
        Action<string>? progress = null)
    {
        var rows = new List<WtaCrsAttentionBenchRow>();
        foreach (var size in sizes)
        {
            int bh = size.Batch * size.Heads, l = size.Tokens, dh = size.HeadDim;
            var scale = 1f / MathF.Sqrt(dh);
            using var attn = BenchData.Tensor(device, SoftmaxRows(bh * l, l, 3), bh, l, l);
            using var dO = BenchData.Tensor(device, WtaCrsBench.HeavyTailed(bh * l, dh, 4), bh, l, dh);
            using var dS = BenchData.Tensor(device, WtaCrsBench.HeavyTailed(bh * l, l, 5), bh, l, l);
            using var q = BenchData.Tensor(device, BenchData.Uniform(bh * l * dh, 6), bh, l, dh);
            using var dv = new Tensor(device.Pool, MemoryTag.Workspace, "bench.dv", bh, l, dh);
            using var dk = new Tensor(device.Pool, MemoryTag.Workspace, "bench.dk", bh, l, dh);
            using var attnNorms = new Tensor(device.Pool, MemoryTag.Workspace, "bench.attn_norms", bh, l);
            using var dONorms = new Tensor(device.Pool, MemoryTag.Workspace, "bench.do_norms", bh, l);
            using var dSNorms = new Tensor(device.Pool, MemoryTag.Workspace, "bench.ds_norms", bh, l);
            using var qNorms = new Tensor(device.Pool, MemoryTag.Workspace, "bench.q_norms", bh, l);

            progress?.Invoke($"{size.Name}: dense dV and dK");
            long headStride = (long)l * dh, attnStride = (long)l * l;
            var valueProblem = new GemmProblem(GemmLayout.TN, l, dh, l, bh, attnStride, headStride, headStride, 1f, 0f);
            var keyProblem = valueProblem with { Alpha = scale };
            var denseTime = BenchTimer.Measure(() =>
            {
                GemmOp.Run(device, valueProblem, attn, dO, dv);
                GemmOp.Run(device, keyProblem, dS, q, dk);
            }, device.Synchronize, 0.3, 0.5);
            var exactV = dv.ToArray();
            var exactK = dk.ToArray();

            foreach (var ratio in ratios)
            {
                progress?.Invoke($"{size.Name} attention: rho = {ratio}");
                var k = WtaCrsBudget.For(l, ratio);
                using var valueSelection = WtaCrsSelectionBuffers.Batched(device.Pool, bh, k);
                using var keySelection = WtaCrsSelectionBuffers.Batched(device.Pool, bh, k);
                var step = 0UL;
                var norms = BenchTimer.Measure(() =>
                {
                    RowNormsOp.Run(device, attn, attnNorms);
                    RowNormsOp.Run(device, dO, dONorms);
                    RowNormsOp.Run(device, dS, dSNorms);
                    RowNormsOp.Run(device, q, qNorms);
                }, device.Synchronize, 0.2, 0.3);
                var select = BenchTimer.Measure(() =>
                {
                    WtaCrsSelectionOp.SelectBatchedFromNorms(device, attnNorms, dONorms, valueSelection, 1, step, 1);
                    WtaCrsSelectionOp.SelectBatchedFromNorms(device, dSNorms, qNorms, keySelection, 1, step++, 0);
                }, device.Synchronize, 0.2, 0.3);
                var gemm = BenchTimer.Measure(() =>
                {
                    SampledGemmOp.Batched(device, attn, dO, valueSelection.Indices, valueSelection.Scales, dv);
                    SampledGemmOp.Batched(device, dS, q, keySelection.Indices, keySelection.Scales, dk, scale);
                }, device.Synchronize, 0.2, 0.3);
                var (path, launches, groups) = WtaCrsBench.Describe(WtaCrsSelectionOp.Plan(device, bh, l, k));
                rows.Add(new WtaCrsAttentionBenchRow(size.Name, bh, l, dh, ratio, k, norms.MeanMs, select.MeanMs, gemm.MeanMs, denseTime.MeanMs,
                    WtaCrsBench.RelativeError(exactV, dv.ToArray()), WtaCrsBench.RelativeError(exactK, dk.ToArray()),
                    path, launches, groups));
            }
        }
        return rows;
    }

    /// <summary>Rows of softmax(3·u), u uniform in [-1, 1): positive, summing to 1, some entries dominant.</summary>
    private static float[] SoftmaxRows(int rows, int cols, int seed)
    {
        var data = BenchData.Uniform(rows * cols, seed, 3f);
        for (var r = 0; r < rows; r++)
        {
            var row = data.AsSpan(r * cols, cols);
            var sum = 0.0;
            for (var c = 0; c < cols; c++)
                sum += row[c] = MathF.Exp(row[c]);
            for (var c = 0; c < cols; c++)
                row[c] = (float)(row[c] / sum);
        }
        return data;
    }
}
