namespace CrsIlgpu.Kernels.Activation;

/// <summary>GELU entry points (exact erf form, PyTorch nn.GELU() default): shape checks, profiler scope, device dispatch.</summary>
public static class ActivationOp
{
    // Per element: |x|, 1/(1+z/2), 9-term Horner, two exps, the select and products: ~25 flops forward, ~30 backward.
    private const double GeluForwardFlops = 25;
    private const double GeluBackwardFlops = 30;

    /// <summary>y = gelu(x) = 0.5·x·(1 + erf(x/√2)), x and y of one shape (y may be x).</summary>
    public static void GeluForward(DeviceContext device, Tensor x, Tensor y)
    {
        OpCheck.SameShape(ActivationKernels.GeluForwardName, x, y);
        if (device.IsPlanning || y.Length == 0)
            return; // an empty tensor: nothing to launch (CUDA rejects a zero grid)
        using var _ = device.Profiler.Launch(ActivationKernels.GeluForwardName, GeluForwardFlops * y.Length, 8.0 * y.Length);
        if (device.Mode == ExecutionMode.Kernels)
            ActivationKernels.LaunchGeluForward(device, x.View, y.View);
        else
            ActivationCpu.GeluForward(x.AsSpan(), y.AsSpan());
    }

    /// <summary>dx = dy·gelu'(x), gelu'(x) = Φ(x) + x·φ(x); x is the forward input. All of one shape; dx is overwritten (may be dy).</summary>
    public static void GeluBackward(DeviceContext device, Tensor x, Tensor dy, Tensor dx)
    {
        OpCheck.SameShape(ActivationKernels.GeluBackwardName, x, dy);
        OpCheck.SameShape(ActivationKernels.GeluBackwardName, x, dx);
        if (device.IsPlanning || dx.Length == 0)
            return; // an empty tensor: nothing to launch (CUDA rejects a zero grid)
        using var _ = device.Profiler.Launch(ActivationKernels.GeluBackwardName, GeluBackwardFlops * dx.Length, 12.0 * dx.Length);
        if (device.Mode == ExecutionMode.Kernels)
            ActivationKernels.LaunchGeluBackward(device, x.View, dy.View, dx.View);
        else
            ActivationCpu.GeluBackward(x.AsSpan(), dy.AsSpan(), dx.AsSpan());
    }
}
