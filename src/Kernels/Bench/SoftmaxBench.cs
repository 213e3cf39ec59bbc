using CrsIlgpu.Kernels.Runtime.Memory;
using CrsIlgpu.Kernels.Softmax;

namespace CrsIlgpu.Kernels.Bench;

/// <summary>Bench cases of the softmax family: the attention scores [B·H·L, L].</summary>
public static class SoftmaxBench
{
    public static IEnumerable<IOpBenchCase> Cases(DeviceContext device, OpBenchSize size)
    {
        var rows = size.Batch * size.Heads * size.Tokens;
        var n = size.Tokens;
        var count = rows * n;
        var shape = $"[{rows}, {n}]";
        var x = BenchData.Uniform(count, 1, 4f);
        var y = new float[count];
        SoftmaxReference.Forward(x, y, n);
        var dy = BenchData.Uniform(count, 2);
        var dx = new float[count];

        var tx = BenchData.Tensor(device, x, rows, n);
        var ty = new Tensor(device.Pool, MemoryTag.Workspace, "bench.y", rows, n);
        yield return new OpBenchCase(SoftmaxKernels.ForwardName, shape, 5.0 * count, 8.0 * count,
            () => SoftmaxOp.Forward(device, tx, ty),
            () => SoftmaxReference.Forward(x, y, n),
            tx, ty);

        var ty2 = BenchData.Tensor(device, y, rows, n);
        var tdy = BenchData.Tensor(device, dy, rows, n);
        var tdx = new Tensor(device.Pool, MemoryTag.Workspace, "bench.dx", rows, n);
        yield return new OpBenchCase(SoftmaxKernels.BackwardName, shape, 4.0 * count, 12.0 * count,
            () => SoftmaxOp.Backward(device, ty2, tdy, tdx),
            () => SoftmaxReference.Backward(y, dy, dx, n),
            ty2, tdy, tdx);
    }
}
