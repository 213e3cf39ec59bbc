using CrsIlgpu.Kernels.Reduction;
using ILGPU.Runtime;

namespace CrsIlgpu.Kernels.Loss;

/// <summary>Top-1 hits of logits [rows, classes] against labels [rows], written to the device.</summary>
public static class AccuracyOp
{
    /// <summary>
    /// hits[0] = the number of rows whose first largest logit is at their label (a float; 0 for no
    /// rows). Stays on the device: read it with the loss in one copy.
    /// </summary>
    public static void Hits(DeviceContext device, Tensor logits, IntTensor labels, Tensor hits)
    {
        const string op = AccuracyKernels.HitsName;
        var (rows, classes) = RowGroups.Shape(op, logits);
        OpCheck.That(op, classes >= 1, $"'{logits.Label}' {logits.ShapeText} has no classes");
        OpCheck.That(op, labels.Count == rows, $"labels '{labels.Label}' hold {labels.Count} values for {rows} rows of '{logits.Label}' {logits.ShapeText}");
        OpCheck.That(op, hits.Length == 1, $"'{hits.Label}' {hits.ShapeText} must hold one value");
        if (device.IsPlanning)
            return;
        if (rows == 0)
        {
            // Nothing to launch (CUDA rejects an empty grid); the count is still written.
            if (device.Mode != ExecutionMode.Kernels)
                hits.AsSpan()[0] = 0f;
            else
                hits.View.MemSetToZero();
            return;
        }
        using var _ = device.Profiler.Launch(op, logits.Length, 4.0 * logits.Length + 4.0 * rows + 4);
        if (device.Mode == ExecutionMode.Kernels)
            AccuracyKernels.LaunchHits(device, logits.View, labels.View, hits.View, rows, classes);
        else
            hits.AsSpan()[0] = AccuracyCpu.Hits(logits.AsSpan(), labels.AsSpan(), classes);
    }
}
