namespace CrsIlgpu.Kernels.Resize;

/// <summary>
/// CPU backend of the bilinear resize: the per-column source indices and weights are computed once
/// per call (they are the same for every row and plane), then rows run in parallel. Indices and weights
/// are the reference's (PyTorch's rounding); the blend is float, in the kernel's order.
/// </summary>
public static class ResizeCpu
{
    public static unsafe void Bilinear(ReadOnlySpan<float> input, Span<float> output, int planes, int inH, int inW, int outH, int outW)
    {
        var xs = Axis(inW, outW);
        var ys = Axis(inH, outH);
        fixed (float* pin = input, pout = output)
        {
            var inPtr = (nint)pin;
            var outPtr = (nint)pout;
            Parallel.For(0, planes * outH, row =>
            {
                var plane = row / outH;
                var (y0, y1, wy) = ys[row % outH];
                var src = (float*)inPtr + (long)plane * inH * inW;
                var top = src + (long)y0 * inW;
                var bottom = src + (long)y1 * inW;
                var dst = (float*)outPtr + (long)row * outW;
                for (var x = 0; x < outW; x++)
                {
                    var (x0, x1, wx) = xs[x];
                    var t = (1f - wx) * top[x0] + wx * top[x1];
                    var b = (1f - wx) * bottom[x0] + wx * bottom[x1];
                    dst[x] = (1f - wy) * t + wy * b;
                }
            });
        }
    }

    private static (int Lower, int Upper, float Weight)[] Axis(int inSize, int outSize)
    {
        var axis = new (int, int, float)[outSize];
        for (var d = 0; d < outSize; d++)
            axis[d] = ResizeReference.Source(d, inSize, outSize);
        return axis;
    }
}
