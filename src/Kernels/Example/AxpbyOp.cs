namespace CrsIlgpu.Kernels.Example;

/// <summary>The public entry of y = α·x + β·y: shape checks before any launch, the profiler scope, dispatch by device mode.</summary>
public static class AxpbyOp
{
    /// <summary>Declared work per element for the profiler's GFLOP/s and GB/s: 2 multiplies + 1 add; read x and y, write y.</summary>
    public const double FlopsPerElement = 3;

    public const double BytesPerElement = 12;

    /// <summary>y ← α·x + β·y, x and y of one shape (x may be y).</summary>
    public static void Run(DeviceContext device, Tensor x, Tensor y, float alpha, float beta)
    {
        const string op = AxpbyKernels.Name;
        OpCheck.SameShape(op, x, y);
        OpCheck.That(op, float.IsFinite(alpha) && float.IsFinite(beta), $"α and β must be finite, got {alpha} and {beta}");
        OpCheck.That(op, y.Length <= int.MaxValue, $"'{y.Label}' {y.ShapeText} has more than 2^31 elements");
        if (device.IsPlanning || y.Length == 0)
            return; // an empty tensor: nothing to launch (CUDA rejects a zero grid)
        using var _ = device.Profiler.Launch(op, FlopsPerElement * y.Length, BytesPerElement * y.Length);
        if (device.Mode == ExecutionMode.Kernels)
            AxpbyKernels.Launch(device, x.View, y.View, alpha, beta);
        else
            AxpbyCpu.Run(x.AsSpan(), y.AsSpan(), alpha, beta);
    }
}
