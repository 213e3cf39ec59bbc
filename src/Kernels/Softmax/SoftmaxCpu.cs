using CrsIlgpu.Kernels.Reduction;
using System.Numerics.Tensors;

namespace CrsIlgpu.Kernels.Softmax;

/// <summary>CPU backend: rows in parallel, each row vectorized with TensorPrimitives. In place is allowed.</summary>
public static class SoftmaxCpu
{
    public static void Forward(Span<float> x, Span<float> y, int rows, int n)
    {
        unsafe
        {
            fixed (float* px = x, py = y)
            {
                var (xp, yp) = ((nint)px, (nint)py);
                ParallelRows.For(rows, n, (r0, r1) =>
                {
                    for (var r = r0; r < r1; r++)
                    {
                        var xr = new ReadOnlySpan<float>((float*)xp + (long)r * n, n);
                        var yr = new Span<float>((float*)yp + (long)r * n, n);
                        var max = TensorPrimitives.Max(xr);
                        TensorPrimitives.Subtract(xr, max, yr);
                        TensorPrimitives.Exp(yr, yr);
                        TensorPrimitives.Multiply(yr, 1f / TensorPrimitives.Sum(yr), yr);
                    }
                });
            }
        }
    }

    public static void Backward(Span<float> y, Span<float> dy, Span<float> dx, int rows, int n)
    {
        unsafe
        {
            fixed (float* py = y, pdy = dy, pdx = dx)
            {
                var (yp, dyp, dxp) = ((nint)py, (nint)pdy, (nint)pdx);
                ParallelRows.For(rows, n, (r0, r1) =>
                {
                    for (var r = r0; r < r1; r++)
                    {
                        var yr = new ReadOnlySpan<float>((float*)yp + (long)r * n, n);
                        var dyr = new ReadOnlySpan<float>((float*)dyp + (long)r * n, n);
                        var dxr = new Span<float>((float*)dxp + (long)r * n, n);
                        var dot = TensorPrimitives.Dot(dyr, yr);
                        TensorPrimitives.Subtract(dyr, dot, dxr);
                        TensorPrimitives.Multiply(dxr, yr, dxr);
                    }
                });
            }
        }
    }
}
