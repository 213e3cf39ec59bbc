using CrsIlgpu.Kernels.Reduction;
using System.Numerics.Tensors;

namespace CrsIlgpu.Kernels.Loss;

/// <summary>CPU backend of the fused cross-entropy: rows in parallel, each vectorized; dlogits may be logits.</summary>
public static class LossCpu
{
    public static unsafe void ForwardBackward(
        Span<float> logits, Span<int> labels, Span<float> losses, Span<float> dlogits, int rows, int classes, float smoothing, float gradScale)
    {
        fixed (float* px = logits, pl = losses, pd = dlogits)
        fixed (int* py = labels)
        {
            var (xp, lp, dp, yp) = ((nint)px, (nint)pl, (nint)pd, (nint)py);
            ParallelRows.For(rows, classes, (r0, r1) =>
            {
                var off = smoothing / classes;
                var on = 1f - smoothing;
                for (var r = r0; r < r1; r++)
                {
                    var x = new ReadOnlySpan<float>((float*)xp + (long)r * classes, classes);
                    var d = new Span<float>((float*)dp + (long)r * classes, classes);
                    var label = ((int*)yp)[r];
                    if (label < 0 || label >= classes)
                    {
                        ((float*)lp)[r] = float.NaN;
                        d.Clear();
                        continue;
                    }
                    var labelLogit = x[label];
                    var max = TensorPrimitives.Max(x);
                    TensorPrimitives.Subtract(x, max, d);
                    var sumZ = TensorPrimitives.Sum(d);
                    TensorPrimitives.Exp(d, d);
                    var sumExp = TensorPrimitives.Sum(d);
                    ((float*)lp)[r] = MathF.Log(sumExp) - on * (labelLogit - max) - off * sumZ;
                    TensorPrimitives.Multiply(d, gradScale / sumExp, d);
                    TensorPrimitives.Subtract(d, off * gradScale, d);
                    d[label] -= on * gradScale;
                }
            });
        }
    }

    public static float Mean(ReadOnlySpan<float> losses)
    {
        var sum = 0.0;
        foreach (var l in losses)
            sum += l;
        return (float)(sum / losses.Length);
    }
}
