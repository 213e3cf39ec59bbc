using CrsIlgpu.Kernels.Reduction;
using ILGPU.Runtime;

namespace CrsIlgpu.Kernels.Loss;

/// <summary>
/// Top-1 hits of a batch on the device, so a training step reads them back with its loss in one
/// copy instead of copying the logits to the host before backward (issue 21, item 2).
/// </summary>
public static class AccuracyKernels
{
    public const string HitsName = "accuracy_hits";

    /// <summary>One group: a batch is small, and a single group sums in a fixed order with no second pass.</summary>
    public const int GroupSize = 256;

    public static IReadOnlyList<KernelEntry> Catalog { get; } = KernelEntry.CatalogOf(typeof(AccuracyKernels), "Loss",
    [
        (HitsName, nameof(AccuracyHits), KernelGrouping.Explicit, "top-1 hits (argmax == label) of every row, summed in one group"),
    ]);

    /// <summary>hits[0] = Σ_r [argmax(logits_r) == labels[r]] as a float (exact below 2^24 rows).</summary>
    internal static void AccuracyHits(ArrayView<float> logits, ArrayView<int> labels, ArrayView<float> hits, int rows, int classes)
    {
        var sum = 0f;
        for (var r = Group.IdxX; r < rows; r += Group.DimX)
        {
            var start = r * classes;
            var best = 0;
            var bestValue = logits[start];
            for (var c = 1; c < classes; c++)
            {
                var value = logits[start + c];
                if (value > bestValue)
                {
                    best = c;
                    bestValue = value;
                }
            }
            if (best == labels[r])
                sum += 1f;
        }
        sum = GroupReduce.Sum(sum);
        if (Group.IdxX == 0)
            hits[0] = sum;
    }

    public static void LaunchHits(DeviceContext device, ArrayView<float> logits, ArrayView<int> labels, ArrayView<float> hits, int rows, int classes)
    {
        if (rows == 0)
            return;
        device.Kernel(HitsName, acc => acc.LoadStreamKernel<ArrayView<float>, ArrayView<int>, ArrayView<float>, int, int>(AccuracyHits))
            (new KernelConfig(1, GroupSize), logits, labels, hits, rows, classes);
    }
}
