using ILGPU.Runtime;

namespace CrsIlgpu.Kernels.Example;

/// <summary>
/// The worked example of docs/custom-kernels.md: y = α·x + β·y (a scaled residual, an EMA of weights,
/// a gradient blend). One thread per element, implicitly grouped; ILGPU picks the group size.
/// </summary>
public static class AxpbyKernels
{
    /// <summary>The stable name: catalog, profiler, `crs bench kernel` and the docs all use it.</summary>
    public const string Name = "axpby";

    public static IReadOnlyList<KernelEntry> Catalog { get; } = KernelEntry.CatalogOf(typeof(AxpbyKernels), "Example",
    [
        (Name, nameof(Axpby), KernelGrouping.Implicit, "y = α·x + β·y (worked example of a user kernel)"),
    ]);

    // The kernel: a static method whose first parameter is the thread index. ILGPU compiles it to
    // PTX as the entry "Kernel_Axpby", the name Nsight Compute shows.
    internal static void Axpby(Index1D i, ArrayView<float> x, ArrayView<float> y, float alpha, float beta) =>
        y[i] = alpha * x[i] + beta * y[i];

    /// <summary>
    /// Loads the kernel once per device (cached by name): compiles it and, on CUDA, has the driver JIT
    /// its PTX. Apart from the launch so the device probe can tell a refused module from a failed launch.
    /// </summary>
    public static Action<Index1D, ArrayView<float>, ArrayView<float>, float, float> Load(DeviceContext device) =>
        device.Kernel(Name, acc => acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, float, float>(Axpby));

    /// <summary>Launches the kernel over every element of y.</summary>
    public static void Launch(DeviceContext device, ArrayView<float> x, ArrayView<float> y, float alpha, float beta) =>
        Load(device)((int)y.Length, x, y, alpha, beta);
}
