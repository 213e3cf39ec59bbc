using CrsIlgpu.Kernels.Optim;
using CrsIlgpu.Kernels.Runtime.Memory;

namespace CrsIlgpu.Kernels.Bench;

/// <summary>
/// Bench cases of the optimizer family: one AdamW step over a block's MLP fc1 weight
/// [Dim, 4·Dim], and the global gradient norm over four tensors of that size (including its
/// 4-byte copy back to the host, which a training step pays too).
/// </summary>
public static class OptimBench
{
    private const int NormTensors = 4;

    public static IEnumerable<IOpBenchCase> Cases(DeviceContext device, OpBenchSize size)
    {
        var rows = size.Dim;
        var cols = size.MlpRatio * size.Dim;
        var n = rows * cols;
        var shape = $"[{rows}, {cols}]";

        var hp = AdamHyperParameters.AdamW();
        var p = BenchData.Uniform(n, 11);
        var g = BenchData.Uniform(n, 12, 1e-2f);
        var m = new float[n];
        var v = new float[n];
        var tp = BenchData.Tensor(device, p, rows, cols);
        var tg = BenchData.Tensor(device, g, rows, cols);
        var tm = BenchData.Tensor(device, m, rows, cols);
        var tv = BenchData.Tensor(device, v, rows, cols);
        // A mid-training step number: the bias corrections are scalars, so t does not change the cost.
        const int step = 10;
        yield return new OpBenchCase(OptimKernels.AdamUpdateName, shape,
            OptimOp.AdamFlopsPerElement * n, OptimOp.AdamBytesPerElement * n,
            () => OptimOp.Adam(device, tp, tg, tm, tv, hp, step, 0.5f),
            () => OptimReference.Adam(p, g, m, v, hp, step, 0.5f),
            tp, tg, tm, tv);

        var grads = Enumerable.Range(0, NormTensors).Select(k => BenchData.Uniform(n, 20 + k, 1e-2f)).ToArray();
        var tensors = grads.Select(a => BenchData.Tensor(device, a, rows, cols)).ToArray();
        var total = (double)NormTensors * n;
        // One multiply-add per element; the partials and the result are a few KB, negligible.
        yield return new OpBenchCase("global_norm", $"{NormTensors} × {shape}", 2 * total, 4 * total,
            () => OptimOp.GlobalNorm(device, tensors),
            () => OptimReference.GlobalNorm(grads),
            tensors.Cast<IDisposable>().ToArray());
    }
}
