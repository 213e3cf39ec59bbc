using ILGPU.Runtime;

namespace CrsIlgpu.Kernels.Activation;

/// <summary>GELU kernels (exact erf form, see <see cref="GeluMath"/>): y = gelu(x) and dx = dy·gelu'(x).</summary>
public static class ActivationKernels
{
    public const string GeluForwardName = "gelu_forward";
    public const string GeluBackwardName = "gelu_backward";

    public static IReadOnlyList<KernelEntry> Catalog { get; } = KernelEntry.CatalogOf(typeof(ActivationKernels), "Activation",
    [
        (GeluForwardName, nameof(ActivationGeluForward), KernelGrouping.Implicit, "y = gelu(x), exact erf form (MLP hidden layer)"),
        (GeluBackwardName, nameof(ActivationGeluBackward), KernelGrouping.Implicit, "dx = dy * gelu'(x) given the saved input x"),
    ]);

    internal static void ActivationGeluForward(Index1D i, ArrayView<float> x, ArrayView<float> y) => y[i] = GeluMath.Gelu(x[i]);

    // dx may alias dy: each thread reads its element before writing it.
    internal static void ActivationGeluBackward(Index1D i, ArrayView<float> x, ArrayView<float> dy, ArrayView<float> dx) =>
        dx[i] = dy[i] * GeluMath.GeluDerivative(x[i]);

    public static void LaunchGeluForward(DeviceContext device, ArrayView<float> x, ArrayView<float> y) =>
        device.Kernel(GeluForwardName, acc => acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>>(ActivationGeluForward))
            ((int)y.Length, x, y);

    public static void LaunchGeluBackward(DeviceContext device, ArrayView<float> x, ArrayView<float> dy, ArrayView<float> dx) =>
        device.Kernel(GeluBackwardName, acc => acc.LoadAutoGroupedStreamKernel<
            Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>>(ActivationGeluBackward))
            ((int)dx.Length, x, dy, dx);
}
