using CrsIlgpu.Kernels.Reduction;

namespace CrsIlgpu.Kernels.Loss;

/// <summary>
/// Softmax cross-entropy over integer labels, forward and backward fused: logits [rows, classes]
/// (or any rank: rows = product of the leading dimensions), labels [rows].
/// </summary>
public static class LossOp
{
    /// <summary>
    /// losses[r] = −Σ_j t_j·log softmax(logits_r)_j with t = (1 − ε)·onehot(labels[r]) + ε/classes
    /// (PyTorch's CrossEntropyLoss(label_smoothing = ε), reduction 'none'), and
    /// dlogits = (softmax − t)/rows, the gradient of the MEAN loss (use <see cref="Mean"/> for it).
    /// dlogits may be logits. Labels copied from the host are checked before the launch: one
    /// outside [0, classes) is an ArgumentException naming its row. Labels written on the device
    /// are guarded in the kernel: such a row gets a NaN loss (so the mean shows it) and a zero gradient.
    /// </summary>
    public static void ForwardBackward(DeviceContext device, Tensor logits, IntTensor labels, Tensor losses, Tensor dlogits, float labelSmoothing = 0f)
    {
        const string op = LossKernels.ForwardBackwardName;
        var (rows, classes) = RowGroups.Shape(op, logits);
        OpCheck.That(op, classes >= 1, $"'{logits.Label}' {logits.ShapeText} has no classes");
        OpCheck.That(op, labels.Count == rows, $"labels '{labels.Label}' hold {labels.Count} values for {rows} rows of '{logits.Label}' {logits.ShapeText}");
        OpCheck.That(op, losses.Length == rows,
            $"'{losses.Label}' {losses.ShapeText} must hold one loss per row of '{logits.Label}' {logits.ShapeText} ({rows})");
        OpCheck.SameShape(op, logits, dlogits);
        OpCheck.That(op, labelSmoothing is >= 0f and <= 1f, $"label smoothing must be in [0, 1], got {labelSmoothing}");
        if (labels.HostRange is { } range)
        {
            if (range.Min < 0)
                throw new ArgumentException($"{op}: label {range.Min} at row {range.MinRow} is outside [0, {classes})");
            if (range.Max >= classes)
                throw new ArgumentException($"{op}: label {range.Max} at row {range.MaxRow} is outside [0, {classes})");
        }
        if (rows == 0)
            return;

        var gradScale = 1f / rows;
        if (device.IsPlanning)
            return;
        using var _ = device.Profiler.Launch(op, 6.0 * logits.Length, 8.0 * logits.Length + 8.0 * rows);
        if (device.Mode == ExecutionMode.Kernels)
            LossKernels.LaunchForwardBackward(device, logits.View, labels.View, losses.View, dlogits.View, rows, classes, labelSmoothing, gradScale);
        else
            LossCpu.ForwardBackward(logits.AsSpan(), labels.AsSpan(), losses.AsSpan(), dlogits.AsSpan(), rows, classes, labelSmoothing, gradScale);
    }

    /// <summary>
    /// mean[0] = the mean of the per-row losses, reduced on the device in a fixed order (no host
    /// round trip; copy the one float when the value is needed). NaN if any row's label was invalid.
    /// </summary>
    public static void Mean(DeviceContext device, Tensor losses, Tensor mean)
    {
        const string op = LossKernels.MeanName;
        OpCheck.That(op, losses.Length is >= 1 and <= int.MaxValue, $"'{losses.Label}' {losses.ShapeText} must hold at least one loss");
        OpCheck.That(op, mean.Length == 1, $"'{mean.Label}' {mean.ShapeText} must hold one value");
        if (device.IsPlanning)
            return;
        using var _ = device.Profiler.Launch(op, losses.Length, 4.0 * losses.Length + 4);
        if (device.Mode == ExecutionMode.Kernels)
            LossKernels.LaunchMean(device, losses.View, mean.View, (int)losses.Length);
        else
            mean.AsSpan()[0] = LossCpu.Mean(losses.AsSpan());
    }
}
