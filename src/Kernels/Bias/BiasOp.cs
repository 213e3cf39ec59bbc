using CrsIlgpu.Kernels.Runtime.Memory;
using ILGPU.Runtime;

namespace CrsIlgpu.Kernels.Bias;

/// <summary>Bias epilogue entry points on row-major tensors whose last dimension is the bias length.</summary>
public static class BiasOp
{
    /// <summary>y[r, c] += b[c] in place; y is [..., cols] (rows = all leading dimensions), b is [cols].</summary>
    public static void Add(DeviceContext device, Tensor y, Tensor b)
    {
        var cols = CheckRowsByBias(BiasKernels.AddName, y, b);
        if (y.Length == 0)
            return;
        if (device.IsPlanning)
            return;
        using var _ = device.Profiler.Launch(BiasKernels.AddName, y.Length, 8.0 * y.Length + 4.0 * cols);
        if (device.Mode == ExecutionMode.Kernels)
            BiasKernels.LaunchAdd(device, y.View, b.View);
        else
            BiasCpu.Add(y.AsSpan(), b.AsSpan());
    }

    /// <summary>
    /// db[c] = Σ_r dy[r, c], overwriting db; dy is [..., cols], db is [cols]. Deterministic: two kernel
    /// passes through a [ceil(rows / rowsPerBlock), cols] workspace (one pass when rows fit one block).
    /// </summary>
    public static void Grad(DeviceContext device, Tensor dy, Tensor db) =>
        Grad(device, dy, db, BiasKernels.DefaultGroupSize, BiasKernels.DefaultRowsPerBlock);

    /// <summary><see cref="Grad(DeviceContext, Tensor, Tensor)"/> with an explicit launch shape (tests use odd ones).</summary>
    public static void Grad(DeviceContext device, Tensor dy, Tensor db, int groupSize, int rowsPerBlock)
    {
        var cols = CheckRowsByBias(BiasKernels.GradPartialName, dy, db);
        OpCheck.That(BiasKernels.GradPartialName, groupSize is >= 1 and <= ColumnSumTile.MaxGroupSize,
            $"group size {groupSize} is not in 1..{ColumnSumTile.MaxGroupSize}");
        OpCheck.That(BiasKernels.GradPartialName, rowsPerBlock >= 1, $"rows per block {rowsPerBlock} must be positive");
        if (cols == 0)
            return;
        var rows = (int)(dy.Length / cols);
        if (device.Mode != ExecutionMode.Kernels)
        {
            using var _ = device.Profiler.Launch(BiasKernels.GradPartialName, dy.Length, 4.0 * (dy.Length + cols));
            BiasCpu.Grad(dy.AsSpan(), db.AsSpan());
            return;
        }
        var blocks = (rows + rowsPerBlock - 1) / rowsPerBlock;
        if (device.IsPlanning)
        {
            // A plan makes the kernel path's allocations and launches nothing.
            if (blocks > 1)
                new Tensor(device.Pool, MemoryTag.Workspace, "bias_grad.partial", blocks, cols).Dispose();
            return;
        }
        if (rows == 0)
        {
            db.View.MemSetToZero();
            return;
        }
        if (blocks == 1)
        {
            using var _ = device.Profiler.Launch(BiasKernels.GradPartialName, dy.Length, 4.0 * (dy.Length + cols));
            BiasKernels.LaunchGradPartial(device, dy.View, db.View, rows, cols, rowsPerBlock, groupSize);
            return;
        }
        using var partial = new Tensor(device.Pool, MemoryTag.Workspace, "bias_grad.partial", blocks, cols);
        using (device.Profiler.Launch(BiasKernels.GradPartialName, dy.Length, 4.0 * (dy.Length + partial.Length)))
            BiasKernels.LaunchGradPartial(device, dy.View, partial.View, rows, cols, rowsPerBlock, groupSize);
        using (device.Profiler.Launch(BiasKernels.GradFinalName, partial.Length, 4.0 * (partial.Length + cols)))
            BiasKernels.LaunchGradFinal(device, partial.View, db.View, blocks, cols, groupSize);
    }

    // b (or db) must be 1-D of the matrix's last dimension; returns that width.
    private static int CheckRowsByBias(string op, Tensor matrix, Tensor bias)
    {
        OpCheck.That(op, bias.Shape.Length == 1 && matrix.Shape.Length >= 1 && matrix.Shape[^1] == bias.Shape[0],
            $"'{matrix.Label}' {matrix.ShapeText} does not end in the length of '{bias.Label}' {bias.ShapeText}");
        return bias.Shape[0];
    }
}
