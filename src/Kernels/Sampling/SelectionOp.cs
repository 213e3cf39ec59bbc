using CrsIlgpu.Kernels.Reduction;
using CrsIlgpu.Kernels.Runtime;

namespace CrsIlgpu.Kernels.Sampling;

/// <summary>Helper ops of the WTA-CRS selection: the row norms ‖X_i‖, ‖G_i‖ its scores are made of.</summary>
public static class SelectionOp
{
    /// <summary>norms[r] = ‖x[r, :]‖₂; x of any rank (rows = product of the leading dimensions), norms [rows].</summary>
    public static void RowNorms(DeviceContext device, Tensor x, Tensor norms)
    {
        const string op = SelectionKernels.RowNormsName;
        var (rows, d) = RowGroups.Shape(op, x);
        OpCheck.That(op, norms.Length == rows, $"'{norms.Label}' {norms.ShapeText} must hold one value per row of '{x.Label}' {x.ShapeText} ({rows})");
        if (device.IsPlanning)
            return;
        using var _ = device.Profiler.Launch(op, 2.0 * x.Length, 4.0 * x.Length + 4.0 * rows);
        if (device.Mode == ExecutionMode.Kernels)
            SelectionKernels.LaunchRowNorms(device, x.View, norms.View, rows, d);
        else
            SelectionCpu.RowNorms(x.AsSpan(), norms.AsSpan(), rows, d);
    }
}
