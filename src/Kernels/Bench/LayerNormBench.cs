using CrsIlgpu.Kernels.LayerNorm;
using CrsIlgpu.Kernels.Runtime.Memory;

namespace CrsIlgpu.Kernels.Bench;

/// <summary>Bench cases of the LayerNorm family on the token matrix [B·T, D].</summary>
public static class LayerNormBench
{
    public static IEnumerable<IOpBenchCase> Cases(DeviceContext device, OpBenchSize size)
    {
        var rows = size.Rows;
        var d = size.Dim;
        var count = rows * d;
        var shape = $"[{rows}, {d}]";
        var x = BenchData.Uniform(count, 1, 3f);
        var gamma = BenchData.Uniform(d, 2).Select(v => 1f + 0.5f * v).ToArray();
        var beta = BenchData.Uniform(d, 3);
        var dy = BenchData.Uniform(count, 4);
        var y = new float[count];
        var mean = new float[rows];
        var rstd = new float[rows];
        var dx = new float[count];
        var dgamma = new float[d];
        var dbeta = new float[d];
        LayerNormReference.Forward(x, gamma, beta, y, mean, rstd, d, LayerNormOp.DefaultEps);

        var tx = BenchData.Tensor(device, x, rows, d);
        var tgamma = BenchData.Tensor(device, gamma, d);
        var tbeta = BenchData.Tensor(device, beta, d);
        var ty = new Tensor(device.Pool, MemoryTag.Workspace, "bench.y", rows, d);
        var tmean = BenchData.Tensor(device, mean, rows);
        var trstd = BenchData.Tensor(device, rstd, rows);
        yield return new OpBenchCase(LayerNormKernels.ForwardName, shape, 8.0 * count, 8.0 * count + 8.0 * d + 8.0 * rows,
            () => LayerNormOp.Forward(device, tx, tgamma, tbeta, ty, tmean, trstd),
            () => LayerNormReference.Forward(x, gamma, beta, y, mean, rstd, d, LayerNormOp.DefaultEps),
            tx, tgamma, tbeta, ty, tmean, trstd);

        // The backward case owns its own inputs so disposing one case leaves the other intact.
        var bx = BenchData.Tensor(device, x, rows, d);
        var bgamma = BenchData.Tensor(device, gamma, d);
        var bmean = BenchData.Tensor(device, mean, rows);
        var brstd = BenchData.Tensor(device, rstd, rows);
        var tdy = BenchData.Tensor(device, dy, rows, d);
        var tdx = new Tensor(device.Pool, MemoryTag.Workspace, "bench.dx", rows, d);
        var tdgamma = new Tensor(device.Pool, MemoryTag.Workspace, "bench.dgamma", d);
        var tdbeta = new Tensor(device.Pool, MemoryTag.Workspace, "bench.dbeta", d);
        yield return new OpBenchCase(LayerNormOp.BackwardName, shape, 14.0 * count, 20.0 * count + 8.0 * rows,
            () => LayerNormOp.Backward(device, bx, bmean, brstd, bgamma, tdy, tdx, tdgamma, tdbeta),
            () => LayerNormReference.Backward(x, mean, rstd, gamma, dy, dx, dgamma, dbeta, d),
            bx, bgamma, bmean, brstd, tdy, tdx, tdgamma, tdbeta);
    }
}
