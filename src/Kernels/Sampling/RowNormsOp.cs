using CrsIlgpu.Kernels.Reduction;

namespace CrsIlgpu.Kernels.Sampling;

/// <summary>Entry point of the row L2 norms ‖X_i‖, ‖G_i‖ the WTA-CRS scores are made of (see <see cref="RowNormsKernels"/>).</summary>
public static class RowNormsOp
{
    /// <summary>norms[r] = ‖x[r, :]‖₂; x of any rank (rows = product of the leading dimensions), norms [rows].</summary>
    public static void Run(DeviceContext device, Tensor x, Tensor norms)
    {
        const string op = RowNormsKernels.Name;
        var (rows, d) = RowGroups.Shape(op, x);
        OpCheck.That(op, norms.Length == rows, $"'{norms.Label}' {norms.ShapeText} must hold one value per row of '{x.Label}' {x.ShapeText} ({rows})");
        if (device.IsPlanning || rows == 0)
            return;
        using var _ = device.Profiler.Launch(op, 2.0 * x.Length, 4.0 * x.Length + 4.0 * rows);
        if (device.Mode == ExecutionMode.Kernels)
            RowNormsKernels.Launch(device, x.View, norms.View, rows, d);
        else
            RowNormsCpu.RowNorms(x.AsSpan(), norms.AsSpan(), rows, d);
    }
}
