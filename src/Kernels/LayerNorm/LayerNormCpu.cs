using System.Buffers;
using System.Numerics;
using System.Numerics.Tensors;
using CrsIlgpu.Kernels.Reduction;

namespace CrsIlgpu.Kernels.LayerNorm;

/// <summary>
/// CPU backend: rows in parallel, each row vectorized (TensorPrimitives, or fused Vector loops in backward). dgamma/dbeta use the
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

    /// <summary>x = x̂/rstd + mean with x̂ = (y − β)/γ, 0 where γ = 0 (the kernel's operations in its order, so the same bits).</summary>
    public static unsafe void RecoverInput(
        Span<float> y, Span<float> gamma, Span<float> beta, Span<float> mean, Span<float> rstd, Span<float> x, int rows, int d)
    {
        fixed (float* py = y, pg = gamma, pb = beta, pm = mean, pr = rstd, px = x)
        {
            var (yp, gp, bp, mp, rp, xp) = ((nint)py, (nint)pg, (nint)pb, (nint)pm, (nint)pr, (nint)px);
            ParallelRows.For(rows, d, (r0, r1) =>
            {
                var g = new ReadOnlySpan<float>((float*)gp, d);
                var b = new ReadOnlySpan<float>((float*)bp, d);
                for (var r = r0; r < r1; r++)
                {
                    var yr = new ReadOnlySpan<float>((float*)yp + (long)r * d, d);
                    var xr = new Span<float>((float*)xp + (long)r * d, d);
                    float mu = ((float*)mp)[r], rs = ((float*)rp)[r];
                    for (var j = 0; j < d; j++)
                    {
                        var xhat = g[j] != 0f ? (yr[j] - b[j]) / g[j] : 0f;
                        xr[j] = xhat / rs + mu;
                    }
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
        // Pooled: at ViT-B sizes the partials are 2.4 MB, which a fresh array per call would hand to the GC.
        var partial = ArrayPool<float>.Shared.Rent(2 * blocks * d);
        Array.Clear(partial, 0, 2 * blocks * d);
        fixed (float* px = x, pm = mean, pr = rstd, pg = gamma, pdy = dy, pdx = dx)
        {
            var (xp, mp, rp, gp, dyp, dxp) = ((nint)px, (nint)pm, (nint)pr, (nint)pg, (nint)pdy, (nint)pdx);
            void RunBlock(int block, float[] scratch)
            {
                var g = new ReadOnlySpan<float>((float*)gp, d);
                var xhat = scratch.AsSpan(0, d);
                var pGamma = partial.AsSpan(block * d, d);
                var pBeta = partial.AsSpan((blocks + block) * d, d);
                var end = Math.Min(rows, (block + 1) * LayerNormKernels.RowsPerBlock);
                for (var r = block * LayerNormKernels.RowsPerBlock; r < end; r++)
                    BackwardRow(
                        new ReadOnlySpan<float>((float*)xp + (long)r * d, d),
                        new Span<float>((float*)dyp + (long)r * d, d),
                        new Span<float>((float*)dxp + (long)r * d, d),
                        ((float*)mp)[r], ((float*)rp)[r], g, xhat, pGamma, pBeta);
            }

            if ((long)rows * d < ParallelRows.ParallelThreshold)
            {
                var scratch = new float[d];
                for (var block = 0; block < blocks; block++)
                    RunBlock(block, scratch);
            }
            else
            {
                Parallel.For(0, blocks, CpuThreads.Options, () => new float[d], (block, _, scratch) =>
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
        ArrayPool<float>.Shared.Return(partial);
    }

    /// <summary>
    /// One row in two fused vector passes (instead of ten library calls): pass 1 forms x̂, adds
    /// dy·x̂ and dy into the block's dgamma/dbeta partials and sums g = dy·γ and g·x̂; pass 2 writes
    /// dx = rstd·(g − mean(g) − x̂·mean(g·x̂)). Each dy element is read before dx overwrites it, so
    /// dx may be dy.
    /// </summary>
    private static void BackwardRow(
        ReadOnlySpan<float> x, Span<float> dy, Span<float> dx, float mu, float rs, ReadOnlySpan<float> gamma,
        Span<float> xhat, Span<float> pGamma, Span<float> pBeta)
    {
        var d = x.Length;
        var width = Vector<float>.Count;
        var sumG = Vector<float>.Zero;
        var sumGx = Vector<float>.Zero;
        var vmu = new Vector<float>(mu);
        var vrs = new Vector<float>(rs);
        var j = 0;
        for (; j <= d - width; j += width)
        {
            var xh = (new Vector<float>(x[j..]) - vmu) * vrs;
            var dyj = new Vector<float>(dy[j..]);
            var gj = dyj * new Vector<float>(gamma[j..]);
            xh.CopyTo(xhat[j..]);
            (new Vector<float>(pGamma[j..]) + dyj * xh).CopyTo(pGamma[j..]);
            (new Vector<float>(pBeta[j..]) + dyj).CopyTo(pBeta[j..]);
            sumG += gj;
            sumGx += gj * xh;
        }
        float tailG = 0, tailGx = 0;
        for (; j < d; j++)
        {
            var xh = (x[j] - mu) * rs;
            var gj = dy[j] * gamma[j];
            xhat[j] = xh;
            pGamma[j] += dy[j] * xh;
            pBeta[j] += dy[j];
            tailG += gj;
            tailGx += gj * xh;
        }
        var meanG = (Vector.Sum(sumG) + tailG) / d;
        var meanGx = (Vector.Sum(sumGx) + tailGx) / d;

        var vMeanG = new Vector<float>(meanG);
        var vMeanGx = new Vector<float>(meanGx);
        j = 0;
        for (; j <= d - width; j += width)
        {
            var gj = new Vector<float>(dy[j..]) * new Vector<float>(gamma[j..]);
            (vrs * (gj - vMeanG - new Vector<float>(xhat[j..]) * vMeanGx)).CopyTo(dx[j..]);
        }
        for (; j < d; j++)
            dx[j] = rs * (dy[j] * gamma[j] - meanG - xhat[j] * meanGx);
    }
}
