using CrsIlgpu.Kernels.Reduction;
using ILGPU.Algorithms;
using ILGPU.Runtime;

namespace CrsIlgpu.Kernels.Loss;

/// <summary>
/// Softmax cross-entropy over integer labels with label smoothing ε, forward and backward in one
/// kernel (one group per row, any group size). With target t = (1 − ε)·onehot(label) + ε/C and
/// z = x − max: loss = log Σ exp z − (1 − ε)·z[label] − (ε/C)·Σ z, and
/// dlogits = (softmax − t)·<c>gradScale</c> (1/rows: the gradient of the mean loss). A label outside
/// [0, C) is never read through: that row's loss is NaN and its gradient zero.
/// </summary>
public static class LossKernels
{
    public const string ForwardBackwardName = "cross_entropy_forward_backward";
    public const string MeanName = "cross_entropy_mean";

    public static IReadOnlyList<KernelEntry> Catalog { get; } = KernelEntry.CatalogOf(typeof(LossKernels), "Loss",
    [
        (ForwardBackwardName, nameof(CrossEntropyForwardBackwardRows), KernelGrouping.Explicit,
            "per-row softmax cross-entropy (label smoothing) and dlogits of the mean loss; one group per row"),
        (MeanName, nameof(CrossEntropyMean), KernelGrouping.Explicit, "mean of the per-row losses in one group, fixed order"),
    ]);

    internal static void CrossEntropyForwardBackwardRows(
        ArrayView<float> logits, ArrayView<int> labels, ArrayView<float> losses, ArrayView<float> dlogits,
        int classes, float smoothing, float gradScale)
    {
        var row = Grid.IdxX;
        var start = row * classes;
        var label = labels[row];
        var valid = label >= 0 && label < classes;
        // Read before any thread writes dlogits, so dlogits may be logits.
        var labelLogit = Group.IdxX == 0 && valid ? logits[start + label] : 0f;

        var max = float.NegativeInfinity;
        for (var j = Group.IdxX; j < classes; j += Group.DimX)
            max = IntrinsicMath.Max(max, logits[start + j]);
        max = GroupReduce.Max(max);

        // exp(z) is parked in dlogits (each thread its own elements) and turned into the gradient below.
        var sumExp = 0f;
        var sumZ = 0f;
        for (var j = Group.IdxX; j < classes; j += Group.DimX)
        {
            var z = logits[start + j] - max;
            var e = XMath.Exp(z);
            dlogits[start + j] = e;
            sumExp += e;
            sumZ += z;
        }
        sumExp = GroupReduce.Sum(sumExp);
        sumZ = GroupReduce.Sum(sumZ);

        var off = smoothing / classes;
        var on = 1f - smoothing;
        var inv = 1f / sumExp;
        for (var j = Group.IdxX; j < classes; j += Group.DimX)
        {
            var target = j == label ? on + off : off;
            dlogits[start + j] = valid ? (dlogits[start + j] * inv - target) * gradScale : 0f;
        }
        if (Group.IdxX == 0)
            losses[row] = valid ? XMath.Log(sumExp) - on * (labelLogit - max) - off * sumZ : float.NaN;
    }

    internal static void CrossEntropyMean(ArrayView<float> losses, ArrayView<float> mean, int rows)
    {
        var sum = 0f;
        for (var i = Group.IdxX; i < rows; i += Group.DimX)
            sum += losses[i];
        sum = GroupReduce.Sum(sum);
        if (Group.IdxX == 0)
            mean[0] = sum / rows;
    }

    public static void LaunchForwardBackward(
        DeviceContext device, ArrayView<float> logits, ArrayView<int> labels, ArrayView<float> losses, ArrayView<float> dlogits,
        int rows, int classes, float smoothing, float gradScale, int? groupSize = null)
    {
        if (rows == 0)
            return;
        var group = RowGroups.Resolve(ForwardBackwardName, device.Accelerator, classes, groupSize);
        device.Kernel(ForwardBackwardName, acc => acc.LoadStreamKernel<
            ArrayView<float>, ArrayView<int>, ArrayView<float>, ArrayView<float>, int, float, float>(CrossEntropyForwardBackwardRows))
            (new KernelConfig(rows, group), logits, labels, losses, dlogits, classes, smoothing, gradScale);
    }

    /// <summary>mean[0] = mean of losses[0..rows) in one group (NaN for rows = 0).</summary>
    public static void LaunchMean(DeviceContext device, ArrayView<float> losses, ArrayView<float> mean, int rows, int? groupSize = null)
    {
        var group = RowGroups.Resolve(MeanName, device.Accelerator, rows, groupSize);
        device.Kernel(MeanName, acc => acc.LoadStreamKernel<ArrayView<float>, ArrayView<float>, int>(CrossEntropyMean))
            (new KernelConfig(1, group), losses, mean, rows);
    }
}
