using System.Numerics;

namespace CrsIlgpu.Kernels.Example;

/// <summary>
/// CPU backend of y = α·x + β·y: one vectorized pass that reads x and y and writes y. One pass, not
/// two (y ← β·y, then y += α·x): when x is y the second pass would read the already scaled values.
/// </summary>
public static class AxpbyCpu
{
    public static void Run(ReadOnlySpan<float> x, Span<float> y, float alpha, float beta)
    {
        var i = 0;
        var width = Vector<float>.Count;
        if (Vector.IsHardwareAccelerated)
        {
            var a = new Vector<float>(alpha);
            var b = new Vector<float>(beta);
            for (; i <= y.Length - width; i += width)
                (a * new Vector<float>(x[i..]) + b * new Vector<float>(y[i..])).CopyTo(y[i..]);
        }
        for (; i < y.Length; i++)
            y[i] = alpha * x[i] + beta * y[i];
    }
}
