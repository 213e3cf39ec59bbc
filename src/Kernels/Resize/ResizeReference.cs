namespace CrsIlgpu.Kernels.Resize;

/// <summary>
/// Plain C# of bilinear resizing with align_corners = false and no antialias, exactly PyTorch's
/// <c>F.interpolate(x, size=(H', W'), mode="bilinear", align_corners=False)</c> (and torchvision's
/// <c>Resize</c> on tensors with antialias off): each output pixel's centre maps back to
/// src = (dst + ½)·in/out − ½, clamped at 0 below (rounded as PyTorch's CPU kernel does: see <see cref="Source"/>); the two nearest source pixels on
/// each axis
/// (the upper one clamped to the last) are blended by the fractional part. Planes are independent:
/// input [planes, inH, inW], output [planes, outH, outW] (planes = batch × channels).
/// </summary>
public static class ResizeReference
{
    public static void Bilinear(ReadOnlySpan<float> input, Span<float> output, int planes, int inH, int inW, int outH, int outW)
    {
        for (var p = 0; p < planes; p++)
        {
            for (var y = 0; y < outH; y++)
            {
                var (y0, y1, wy) = Source(y, inH, outH);
                for (var x = 0; x < outW; x++)
                {
                    var (x0, x1, wx) = Source(x, inW, outW);
                    var plane = (long)p * inH * inW;
                    double top = (1f - wx) * input[(int)(plane + (long)y0 * inW + x0)] + wx * input[(int)(plane + (long)y0 * inW + x1)];
                    double bottom = (1f - wx) * input[(int)(plane + (long)y1 * inW + x0)] + wx * input[(int)(plane + (long)y1 * inW + x1)];
                    output[(int)((long)p * outH * outW + (long)y * outW + x)] = (float)((1f - wy) * top + wy * bottom);
                }
            }
        }
    }

    /// <summary>
    /// The lower and upper source index and the upper one's weight λ, as PyTorch 1.13's CPU kernel
    /// computes them for float tensors (read off its weights): the scale in/out rounded to float, the
    /// source coordinate scale·(dst + ½) − ½ in double, clamped at 0, λ = coordinate − lower rounded
    /// to float, and the lower weight 1 − λ in float. (All in double, 32 → 224 moves weights by up to 1e-5.)
    /// </summary>
    public static (int Lower, int Upper, float Weight) Source(int dst, int inSize, int outSize)
    {
        var scale = (float)inSize / outSize;
        var src = Math.Max(scale * (dst + 0.5) - 0.5, 0);
        var lower = Math.Min((int)src, inSize - 1);
        var upper = Math.Min(lower + 1, inSize - 1);
        return (lower, upper, (float)(src - lower));
    }
}
