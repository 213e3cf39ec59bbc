using CrsIlgpu.Kernels.Reduction;
using System.Numerics.Tensors;

namespace CrsIlgpu.Kernels.LayerNorm;

/// <summary>
/// CPU backend: rows in parallel, each row vectorized with TensorPrimitives. dgamma/dbeta use the
/// kernels' fixed blocks of <see cref="LayerNormKernels.RowsPerBlock"/> rows, summed in block order,
/// so they do not depend on the number of threads.
/// </summary>
public static class LayerNormCpu
{
    public static unsafe void Forward(
        Span<float> x, Span<float> gamma, Span<float> beta, Span<float> y, Span<float> mean, Span<float> rstd, int rows, int d, float eps)
    {
        fixed (float* px = x, pg = gamma, pb = beta, py = y, pm = mean, pr = rstd)
        {
            var (xp, gp, bp, yp, mp, rp) = ((nint)px, (nint)pg, (nint)pb, (nint)py, (nint)pm, (nint)pr);
            ParallelRows.For(rows, d, (r0, r1) =>
            {
                var g = new ReadOnlySpan<float>((float*)gp, d);
                var b = new ReadOnlySpan<float>((float*)bp, d);
                for (var r = r0; r < r1; r++)
                {
                    var xr = new ReadOnlySpan<float>((float*)xp + (long)r * d, d);
                    var yr = new Span<float>((float*)yp + (long)r * d, d);
                    var mu = TensorPrimitives.Sum(xr) / d;
                    TensorPrimitives.Subtract(xr, mu, yr);
                    var rs = 1f / MathF.Sqrt(TensorPrimitives.SumOfSquares(yr) / d + eps);
                    TensorPrimitives.Multiply(yr, rs, yr);
                    TensorPrimitives.FusedMultiplyAdd(yr, g, b, yr);
                    ((float*)mp)[r] = mu;
                    ((float*)rp)[r] = rs;
                }
            });
        }
    }

    /// <summary>dx (may be dy), and dgamma, dbeta overwritten with the sums over rows.</summary>
    public static unsafe void Backward(
        Span<float> x, Span<float> mean, Span<float> rstd, Span<float> gamma, Span<float> dy,
        Span<float> dx, Span<float> dgamma, Span<float> dbeta, int rows, int d)
    {
        var blocks = LayerNormKernels.ParamBlocks(rows);
        var partial = new float[2L * blocks * d];
        fixed (float* px = x, pm = mean, pr = rstd, pg = gamma, pdy = dy, pdx = dx)
        {
            var (xp, mp, rp, gp, dyp, dxp) = ((nint)px, (nint)pm, (nint)pr, (nint)pg, (nint)pdy, (nint)pdx);
            void RunBlock(int block, float[] scratch)
            {
                var g = new ReadOnlySpan<float>((float*)gp, d);
                var xhat = scratch.AsSpan(0, d);
                var gy = scratch.AsSpan(d, d);
                var t = scratch.AsSpan(2 * d, d);
                var pGamma = partial.AsSpan(block * d, d);
                var pBeta = partial.AsSpan((blocks + block) * d, d);
                var end = Math.Min(rows, (block + 1) * LayerNormKernels.RowsPerBlock);
                for (var r = block * LayerNormKernels.RowsPerBlock; r < end; r++)
                {
                    var xr = new ReadOnlySpan<float>((float*)xp + (long)r * d, d);
                    var dyr = new ReadOnlySpan<float>((float*)dyp + (long)r * d, d);
                    var dxr = new Span<float>((float*)dxp + (long)r * d, d);
                    var mu = ((float*)mp)[r];
                    var rs = ((float*)rp)[r];
                    TensorPrimitives.Subtract(xr, mu, xhat);
                    TensorPrimitives.Multiply(xhat, rs, xhat);
                    TensorPrimitives.FusedMultiplyAdd(dyr, xhat, pGamma, pGamma);
                    TensorPrimitives.Add(pBeta, dyr, pBeta);
                    TensorPrimitives.Multiply(dyr, g, gy);
                    var meanG = TensorPrimitives.Sum(gy) / d;
                    var meanGx = TensorPrimitives.Dot(gy, xhat) / d;
                    // dx = rstd * (g - meanG - xhat * meanGx); dy is fully read above, so dx may be dy.
                    TensorPrimitives.Multiply(xhat, -meanGx, t);
                    TensorPrimitives.Add(t, gy, t);
                    TensorPrimitives.Subtract(t, meanG, t);
                    TensorPrimitives.Multiply(t, rs, dxr);
                }
            }

            if ((long)rows * d < ParallelRows.ParallelThreshold)
            {
                var scratch = new float[3 * d];
                for (var block = 0; block < blocks; block++)
                    RunBlock(block, scratch);
            }
            else
            {
                Parallel.For(0, blocks, () => new float[3 * d], (block, _, scratch) =>
                {
                    RunBlock(block, scratch);
                    return scratch;
                }, _ => { });
            }
        }

        dgamma.Clear();
        dbeta.Clear();
        for (var block = 0; block < blocks; block++)
        {
            TensorPrimitives.Add(dgamma, partial.AsSpan(block * d, d), dgamma);
            TensorPrimitives.Add(dbeta, partial.AsSpan((blocks + block) * d, d), dbeta);
        }
    }
}
