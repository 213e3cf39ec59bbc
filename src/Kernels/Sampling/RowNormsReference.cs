namespace CrsIlgpu.Kernels.Sampling;

/// <summary>Row L2 norms in plain C# (double accumulation).</summary>
public static class RowNormsReference
{
    /// <summary>norms[r] = ‖x[r, :]‖₂ for x [rows, d].</summary>
    public static void RowNorms(ReadOnlySpan<float> x, Span<float> norms, int d)
    {
        for (var r = 0; r < norms.Length; r++)
        {
            var squares = 0.0;
            for (var j = 0; j < d; j++)
            {
                double v = x[r * d + j];
                squares += v * v;
            }
            norms[r] = (float)Math.Sqrt(squares);
        }
    }
}
