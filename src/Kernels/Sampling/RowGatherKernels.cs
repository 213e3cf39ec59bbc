using ILGPU.Runtime;

namespace CrsIlgpu.Kernels.Sampling;

/// <summary>
/// y[t, :] = scale_t · x[idx_t, :]: the rows the Cached policy stores at forward time instead of
/// the whole input. One thread per output element; consecutive threads read one input row.
/// </summary>
public static class RowGatherKernels
{
    public const string GatherName = "row_gather_scaled";

    public static IReadOnlyList<KernelEntry> Catalog { get; } = KernelEntry.CatalogOf(typeof(RowGatherKernels), "Sampling",
    [
        (GatherName, nameof(RowGatherScaled), KernelGrouping.Implicit, "y[t] = scale[t] · x[idx[t]] (sampled, pre-scaled input rows)"),
    ]);

    internal static void RowGatherScaled(Index1D i, ArrayView<float> x, ArrayView<int> indices, ArrayView<float> scales, ArrayView<float> y, int rows, int cols)
    {
        int k = i;
        var t = k / cols;
        var row = indices[t];
        // An index out of range (never produced by the selection) yields a zero row, not a fault.
        y[k] = row >= 0 && row < rows ? scales[t] * x[(long)row * cols + (k - t * cols)] : 0f;
    }

    public static void Launch(DeviceContext device, ArrayView<float> x, ArrayView<int> indices, ArrayView<float> scales, ArrayView<float> y, int rows,
        int cols) =>
        device.Kernel(GatherName, acc => acc.LoadAutoGroupedStreamKernel<
            Index1D, ArrayView<float>, ArrayView<int>, ArrayView<float>, ArrayView<float>, int, int>(RowGatherScaled))
            ((int)y.Length, x, indices, scales, y, rows, cols);
}
