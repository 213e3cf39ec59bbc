using CrsIlgpu.Kernels.Reduction;

namespace CrsIlgpu.Kernels.Softmax;

/// <summary>
/// Row softmax over the last dimension of a tensor of any rank (rows = product of the other
/// dimensions). Attention calls it on the [B·H·L, L] scores; the 1/√d scale is the GEMM's alpha.
/// </summary>
public static class SoftmaxOp
{
    /// <summary>y = softmax(x) along the last dimension. y may be x.</summary>
    public static void Forward(DeviceContext device, Tensor x, Tensor y)
    {
        OpCheck.SameShape(SoftmaxKernels.ForwardName, x, y);
        var (rows, n) = RowGroups.Shape(SoftmaxKernels.ForwardName, x);
        if (x.Length == 0)
            return;
        if (device.IsPlanning)
            return;
        using var _ = device.Profiler.Launch(SoftmaxKernels.ForwardName, 5.0 * x.Length, 8.0 * x.Length);
        if (device.Mode == ExecutionMode.Kernels)
            SoftmaxKernels.LaunchForward(device, x.View, y.View, rows, n);
        else
            SoftmaxCpu.Forward(x.AsSpan(), y.AsSpan(), rows, n);
    }

    /// <summary>dx = y ⊙ (dy − rowsum(dy ⊙ y)) from the forward's output y. dx may be dy.</summary>
    public static void Backward(DeviceContext device, Tensor y, Tensor dy, Tensor dx)
    {
        OpCheck.SameShape(SoftmaxKernels.BackwardName, y, dy);
        OpCheck.SameShape(SoftmaxKernels.BackwardName, y, dx);
        var (rows, n) = RowGroups.Shape(SoftmaxKernels.BackwardName, y);
        if (y.Length == 0)
            return;
        if (device.IsPlanning)
            return;
        using var _ = device.Profiler.Launch(SoftmaxKernels.BackwardName, 4.0 * y.Length, 12.0 * y.Length);
        if (device.Mode == ExecutionMode.Kernels)
            SoftmaxKernels.LaunchBackward(device, y.View, dy.View, dx.View, rows, n);
        else
            SoftmaxCpu.Backward(y.AsSpan(), dy.AsSpan(), dx.AsSpan(), rows, n);
    }
}
