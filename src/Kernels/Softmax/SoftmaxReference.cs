namespace CrsIlgpu.Kernels.Softmax;

/// <summary>Plain C# row softmax (double accumulation), the ground truth of the tests.</summary>
public static class SoftmaxReference
{
    public static void Forward(ReadOnlySpan<float> x, Span<float> y, int n)
    {
        for (var start = 0; start < x.Length; start += n)
        {
            var max = double.NegativeInfinity;
            for (var j = 0; j < n; j++)
                max = Math.Max(max, x[start + j]);
            var sum = 0.0;
            for (var j = 0; j < n; j++)
                sum += Math.Exp(x[start + j] - max);
            for (var j = 0; j < n; j++)
                y[start + j] = (float)(Math.Exp(x[start + j] - max) / sum);
        }
    }

    public static void Backward(ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx, int n)
    {
        for (var start = 0; start < y.Length; start += n)
        {
            var dot = 0.0;
            for (var j = 0; j < n; j++)
                dot += (double)dy[start + j] * y[start + j];
            for (var j = 0; j < n; j++)
                dx[start + j] = (float)(y[start + j] * (dy[start + j] - dot));
        }
    }
}
