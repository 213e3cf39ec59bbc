using CrsIlgpu.Kernels.Elementwise;
using CrsIlgpu.Kernels.Runtime.Memory;

namespace CrsIlgpu.Kernels.Bench;

/// <summary>Bench cases of the element-wise family: the residual add on the token matrix.</summary>
public static class ElementwiseBench
{
    public static IEnumerable<IOpBenchCase> Cases(DeviceContext device, OpBenchSize size)
    {
        var n = size.Rows * size.Dim;
        var a = BenchData.Uniform(n, 1);
        var b = BenchData.Uniform(n, 2);
        var y = new float[n];
        var ta = BenchData.Tensor(device, a, size.Rows, size.Dim);
        var tb = BenchData.Tensor(device, b, size.Rows, size.Dim);
        var ty = new Tensor(device.Pool, MemoryTag.Workspace, "bench.y", size.Rows, size.Dim);
        yield return new OpBenchCase(ElementwiseKernels.AddName, $"[{size.Rows}, {size.Dim}]", n, 12.0 * n,
            () => ElementwiseOp.Add(device, ta, tb, ty),
            () => ElementwiseReference.Add(a, b, y),
            ta, tb, ty);
    }
}
