using ILGPU.Runtime;

namespace CrsIlgpu.Kernels.Resize;

/// <summary>
/// Bilinear resize (align_corners = false, no antialias) of [planes, inH, inW] into [planes, outH, outW]:
/// one thread per output pixel, four reads each. The input of the data pipeline (CIFAR's 32×32
/// upsampled to a ViT-B/16's 224×224) is tiny next to the output, so the reads hit the cache and
/// nothing needs shared memory.
/// </summary>
public static class ResizeKernels
{
    public const string Name = "resize_bilinear";

    public static IReadOnlyList<KernelEntry> Catalog { get; } = KernelEntry.CatalogOf(typeof(ResizeKernels), "Resize",
    [
        (Name, nameof(ResizeBilinear), KernelGrouping.Implicit,
            "bilinear resize, align_corners = false (input images to the model's size)"),
    ]);

    // PyTorch 1.13's rounding (see ResizeReference.Source): float scale, the coordinate in double, the weights in float.
    internal static void ResizeBilinear(Index1D i, ArrayView<float> input, ArrayView<float> output, int inH, int inW, int outH, int outW)
    {
        int index = i;
        var x = index % outW;
        var rest = index / outW;
        var y = rest % outH;
        var plane = rest / outH;
        var sy = IntrinsicMath.Max((double)((float)inH / outH) * (y + 0.5) - 0.5, 0.0);
        var sx = IntrinsicMath.Max((double)((float)inW / outW) * (x + 0.5) - 0.5, 0.0);
        var y0 = IntrinsicMath.Min((int)sy, inH - 1);
        var x0 = IntrinsicMath.Min((int)sx, inW - 1);
        var y1 = IntrinsicMath.Min(y0 + 1, inH - 1);
        var x1 = IntrinsicMath.Min(x0 + 1, inW - 1);
        var wy = (float)(sy - y0);
        var wx = (float)(sx - x0);
        var b = (long)plane * inH * inW;
        var top = (1f - wx) * input[b + (long)y0 * inW + x0] + wx * input[b + (long)y0 * inW + x1];
        var bottom = (1f - wx) * input[b + (long)y1 * inW + x0] + wx * input[b + (long)y1 * inW + x1];
        output[i] = (1f - wy) * top + wy * bottom;
    }

    public static void Launch(DeviceContext device, ArrayView<float> input, ArrayView<float> output, int inH, int inW, int outH, int outW) =>
        device.Kernel(Name, acc => acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, int, int, int, int>(ResizeBilinear))
            ((int)output.Length, input, output, inH, inW, outH, outW);
}
