namespace CrsIlgpu.Kernels.Elementwise;

/// <summary>Entry points: check shapes before any launch, report to the profiler, run the device's implementation.</summary>
public static class ElementwiseOp
{
    /// <summary>y = a + b, all of one shape.</summary>
    public static void Add(DeviceContext device, Tensor a, Tensor b, Tensor y)
    {
        OpCheck.SameShape(ElementwiseKernels.AddName, a, b);
        OpCheck.SameShape(ElementwiseKernels.AddName, a, y);
        if (device.IsPlanning || y.Length == 0)
            return; // an empty tensor: nothing to launch (CUDA rejects a zero grid)
        using var _ = device.Profiler.Launch(ElementwiseKernels.AddName, y.Length, 12.0 * y.Length);
        if (device.Mode == ExecutionMode.Kernels)
            ElementwiseKernels.LaunchAdd(device, a.View, b.View, y.View);
        else
            ElementwiseCpu.Add(a.AsSpan(), b.AsSpan(), y.AsSpan());
    }

    /// <summary>y += x, both of one shape.</summary>
    public static void Accumulate(DeviceContext device, Tensor x, Tensor y)
    {
        OpCheck.SameShape(ElementwiseKernels.AccumulateName, x, y);
        if (device.IsPlanning || y.Length == 0)
            return; // an empty tensor: nothing to launch (CUDA rejects a zero grid)
        using var _ = device.Profiler.Launch(ElementwiseKernels.AccumulateName, y.Length, 12.0 * y.Length);
        if (device.Mode == ExecutionMode.Kernels)
            ElementwiseKernels.LaunchAccumulate(device, x.View, y.View);
        else
            ElementwiseCpu.Accumulate(x.AsSpan(), y.AsSpan());
    }
}
