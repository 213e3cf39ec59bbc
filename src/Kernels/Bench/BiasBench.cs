using CrsIlgpu.Kernels.Bias;
using CrsIlgpu.Kernels.Runtime.Memory;

namespace CrsIlgpu.Kernels.Bench;

/// <summary>Bench cases of the bias epilogues at the widest GEMM output, the MLP hidden layer [batch·tokens, 4·dim].</summary>
public static class BiasBench
{
    public static IEnumerable<IOpBenchCase> Cases(DeviceContext device, OpBenchSize size)
    {
        int rows = size.Rows, cols = size.MlpRatio * size.Dim, n = rows * cols;
        var shape = $"[{rows}, {cols}]";
        var y = BenchData.Uniform(n, 1);
        var b = BenchData.Uniform(cols, 2);
        var db = new float[cols];
        var ty = BenchData.Tensor(device, y, rows, cols);
        var tb = BenchData.Tensor(device, b, cols);
        var tdb = new Tensor(device.Pool, MemoryTag.Workspace, "bench.db", cols);
        // In place: repeated runs keep adding b, which changes values but not the work.
        yield return new OpBenchCase(BiasKernels.AddName, shape, n, 8.0 * n + 4.0 * cols,
            () => BiasOp.Add(device, ty, tb),
            () => BiasReference.Add(y, b),
            tb);
        // Bytes: dy read once, db written once (the partials add ~1% and are not required traffic).
        yield return new OpBenchCase(BiasKernels.GradPartialName, shape, n, 4.0 * (n + cols),
            () => BiasOp.Grad(device, ty, tdb),
            () => BiasReference.Grad(y, db),
            ty, tdb);
    }
}
