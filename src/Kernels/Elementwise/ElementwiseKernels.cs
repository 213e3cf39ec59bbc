using ILGPU.Runtime;

namespace CrsIlgpu.Kernels.Elementwise;

/// <summary>Element-wise kernels: y = a + b (residual add) and y += x (gradient accumulation).</summary>
public static class ElementwiseKernels
{
    public const string AddName = "add";
    public const string AccumulateName = "accumulate";

    public static IReadOnlyList<KernelEntry> Catalog { get; } = KernelEntry.CatalogOf(typeof(ElementwiseKernels), "Elementwise",
    [
        (AddName, nameof(Add), KernelGrouping.Implicit, "y = a + b (residual connections)"),
        (AccumulateName, nameof(Accumulate), KernelGrouping.Implicit, "y += x (gradient of a branch)"),
    ]);

    internal static void Add(Index1D i, ArrayView<float> a, ArrayView<float> b, ArrayView<float> y) => y[i] = a[i] + b[i];

    internal static void Accumulate(Index1D i, ArrayView<float> x, ArrayView<float> y) => y[i] += x[i];

    public static void LaunchAdd(DeviceContext device, ArrayView<float> a, ArrayView<float> b, ArrayView<float> y) =>
        device.Kernel(AddName, acc => acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>>(Add))
            ((int)y.Length, a, b, y);

    public static void LaunchAccumulate(DeviceContext device, ArrayView<float> x, ArrayView<float> y) =>
        device.Kernel(AccumulateName, acc => acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>>(Accumulate))
            ((int)y.Length, x, y);
}
