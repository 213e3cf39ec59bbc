using CrsIlgpu.Kernels.Reduction;
using ILGPU.Algorithms;
using ILGPU.Runtime;

namespace CrsIlgpu.Kernels.Softmax;

/// <summary>
/// Row softmax over the last dimension of a [rows, n] tensor: one thread group per row, any group
/// size. Forward subtracts the row max (stable for any finite input); backward is
/// dx = y ⊙ (dy − rowsum(dy ⊙ y)). Each thread writes only the elements it read, after the row's
/// reductions, so y may be x and dx may be dy (in place).
/// </summary>
public static class SoftmaxKernels
{
    public const string ForwardName = "softmax_forward";
    public const string BackwardName = "softmax_backward";

    public static IReadOnlyList<KernelEntry> Catalog { get; } = KernelEntry.CatalogOf(typeof(SoftmaxKernels), "Softmax",
    [
        (ForwardName, nameof(SoftmaxForwardRows), KernelGrouping.Explicit, "y = softmax(x) over the last dimension, one group per row"),
        (BackwardName, nameof(SoftmaxBackwardRows), KernelGrouping.Explicit, "dx = y * (dy - rowsum(dy * y)), one group per row"),
    ]);

    internal static void SoftmaxForwardRows(ArrayView<float> x, ArrayView<float> y, int n)
    {
        var start = Grid.IdxX * n;
        var max = float.NegativeInfinity;
        for (var j = Group.IdxX; j < n; j += Group.DimX)
            max = IntrinsicMath.Max(max, x[start + j]);
        max = GroupReduce.Max(max);

        // exp(x - max) goes to y first and is rescaled in place: one exp per element.
        var sum = 0f;
        for (var j = Group.IdxX; j < n; j += Group.DimX)
        {
            var e = XMath.Exp(x[start + j] - max);
            y[start + j] = e;
            sum += e;
        }
        var inv = 1f / GroupReduce.Sum(sum);
        for (var j = Group.IdxX; j < n; j += Group.DimX)
            y[start + j] *= inv;
    }

    internal static void SoftmaxBackwardRows(ArrayView<float> y, ArrayView<float> dy, ArrayView<float> dx, int n)
    {
        var start = Grid.IdxX * n;
        var dot = 0f;
        for (var j = Group.IdxX; j < n; j += Group.DimX)
            dot += dy[start + j] * y[start + j];
        dot = GroupReduce.Sum(dot);
        for (var j = Group.IdxX; j < n; j += Group.DimX)
            dx[start + j] = y[start + j] * (dy[start + j] - dot);
    }

    /// <summary>y = softmax(x) for <paramref name="rows"/> rows of <paramref name="n"/>; group size automatic unless given.</summary>
    public static void LaunchForward(DeviceContext device, ArrayView<float> x, ArrayView<float> y, int rows, int n, int? groupSize = null)
    {
        if (rows == 0 || n == 0)
            return;
        var group = RowGroups.Resolve(ForwardName, device.Accelerator, n, groupSize);
        device.Kernel(ForwardName, acc => acc.LoadStreamKernel<ArrayView<float>, ArrayView<float>, int>(SoftmaxForwardRows))
            (new KernelConfig(rows, group), x, y, n);
    }

    /// <summary>dx = y ⊙ (dy − rowsum(dy ⊙ y)); group size automatic unless given.</summary>
    public static void LaunchBackward(DeviceContext device, ArrayView<float> y, ArrayView<float> dy, ArrayView<float> dx, int rows, int n,
        int? groupSize = null)
    {
        if (rows == 0 || n == 0)
            return;
        var group = RowGroups.Resolve(BackwardName, device.Accelerator, n, groupSize);
        device.Kernel(BackwardName, acc => acc.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, int>(SoftmaxBackwardRows))
            (new KernelConfig(rows, group), y, dy, dx, n);
    }
}
