using CrsIlgpu.Kernels.Activation;
using CrsIlgpu.Kernels.Runtime.Memory;

namespace CrsIlgpu.Kernels.Bench;

/// <summary>Bench cases of GELU on the MLP hidden activation [batch·tokens, 4·dim].</summary>
public static class ActivationBench
{
    public static IEnumerable<IOpBenchCase> Cases(DeviceContext device, OpBenchSize size)
    {
        int rows = size.Rows, cols = size.MlpRatio * size.Dim, n = rows * cols;
        var shape = $"[{rows}, {cols}]";
        var x = BenchData.Uniform(n, 1, 3f);
        var dy = BenchData.Uniform(n, 2);
        var y = new float[n];
        var dx = new float[n];
        var tx = BenchData.Tensor(device, x, rows, cols);
        var tdy = BenchData.Tensor(device, dy, rows, cols);
        var ty = new Tensor(device.Pool, MemoryTag.Workspace, "bench.y", rows, cols);
        var tdx = new Tensor(device.Pool, MemoryTag.Workspace, "bench.dx", rows, cols);
        // Flops: ~25 (forward) / ~30 (backward) per element, exps and the reciprocal counted as one each.
        yield return new OpBenchCase(ActivationKernels.GeluForwardName, shape, 25.0 * n, 8.0 * n,
            () => ActivationOp.GeluForward(device, tx, ty),
            () => ActivationReference.GeluForward(x, y),
            ty);
        yield return new OpBenchCase(ActivationKernels.GeluBackwardName, shape, 30.0 * n, 12.0 * n,
            () => ActivationOp.GeluBackward(device, tx, tdy, tdx),
            () => ActivationReference.GeluBackward(x, dy, dx),
            tx, tdy, tdx);
    }
}
