using System.Numerics.Tensors;
using CrsIlgpu.Kernels.Reduction;

namespace CrsIlgpu.Kernels.Sampling;

/// <summary>CPU backend of the row L2 norms the WTA-CRS scores are made of, rows in parallel, each row vectorized.</summary>
public static class RowNormsCpu
{
    public static unsafe void RowNorms(Span<float> x, Span<float> norms, int rows, int d)
    {
        fixed (float* px = x, pn = norms)
        {
            var (xp, np) = ((nint)px, (nint)pn);
            ParallelRows.For(rows, d, (r0, r1) =>
            {
                for (var r = r0; r < r1; r++)
                    ((float*)np)[r] = TensorPrimitives.Norm(new ReadOnlySpan<float>((float*)xp + (long)r * d, d));
            });
        }
    }
}
