namespace CrsIlgpu.Kernels.Sampling;

/// <summary>Entry point of the scaled row gather (see <see cref="RowGatherKernels"/>).</summary>
public static class RowGatherOp
{
    /// <summary>y [k, D] = scales[t] · x[indices[t]] for x [N, D] (leading dims flattened).</summary>
    public static void Gather(DeviceContext device, Tensor x, IntTensor indices, Tensor scales, Tensor y)
    {
        const string op = RowGatherKernels.GatherName;
        var cols = x.Shape[^1];
        var rows = (int)(x.Length / Math.Max(cols, 1));
        OpCheck.Shape(op, y, indices.Count, cols);
        OpCheck.Shape(op, scales, indices.Count);
        if (indices.HostRange is { } range)
            OpCheck.That(op, range.Min >= 0 && range.Max < rows, $"indices '{indices.Label}' must be in [0, {rows}), got {range.Min}..{range.Max}");
        if (device.IsPlanning || y.Length == 0)
            return;
        using var _ = device.Profiler.Launch(op, y.Length, 8.0 * y.Length + 8.0 * indices.Count);
        if (device.Mode == ExecutionMode.Kernels)
            RowGatherKernels.Launch(device, x.View, indices.View, scales.View, y.View, rows, cols);
        else
            RowGatherCpu.Gather(x.AsSpan(), indices.AsSpan(), scales.AsSpan(), y.AsSpan(), rows, cols);
    }
}
