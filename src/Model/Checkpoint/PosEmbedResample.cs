namespace CrsIlgpu.Model.Checkpoint;

/// <summary>
/// timm's <c>resample_abs_pos_embed</c> for a checkpoint trained on another patch grid: the class
/// token's row is kept, the grid rows [g·g, D] are resized to the model's grid as a D-channel image
/// with PyTorch's bicubic interpolation (<c>F.interpolate(mode="bicubic", align_corners=False)</c>,
/// antialias off: A = −0.75, source index (dst + ½)·in/out − ½ unclamped, neighbours clamped to the
/// border). Runs once on the host at load time, in double.
/// </summary>
public static class PosEmbedResample
{
    private const double A = -0.75;

    /// <summary>
    /// <paramref name="posEmbed"/> [1 + oldGrid², D] (class token first) → [1 + newGrid², D].
    /// </summary>
    public static float[] Resample(ReadOnlySpan<float> posEmbed, int dim, int oldGrid, int newGrid)
    {
        var result = new float[(1 + newGrid * newGrid) * dim];
        posEmbed[..dim].CopyTo(result); // the class token is not on the grid
        var grid = posEmbed[dim..];
        var scale = (double)oldGrid / newGrid;
        Span<double> wy = stackalloc double[4];
        Span<double> wx = stackalloc double[4];
        for (var y = 0; y < newGrid; y++)
        {
            var iy = Taps(y, scale, wy);
            for (var x = 0; x < newGrid; x++)
            {
                var ix = Taps(x, scale, wx);
                var dst = result.AsSpan(dim * (1 + y * newGrid + x), dim);
                for (var d = 0; d < dim; d++)
                {
                    double sum = 0;
                    for (var j = 0; j < 4; j++)
                    {
                        var row = Math.Clamp(iy - 1 + j, 0, oldGrid - 1);
                        double line = 0;
                        for (var i = 0; i < 4; i++)
                        {
                            var col = Math.Clamp(ix - 1 + i, 0, oldGrid - 1);
                            line += wx[i] * grid[(row * oldGrid + col) * dim + d];
                        }
                        sum += wy[j] * line;
                    }
                    dst[d] = (float)sum;
                }
            }
        }
        return result;
    }

    /// <summary>The first source index (floor of the source position) and the four cubic-convolution weights of taps −1..2.</summary>
    private static int Taps(int dst, double scale, Span<double> weights)
    {
        var src = scale * (dst + 0.5) - 0.5;
        var index = (int)Math.Floor(src);
        var t = src - index;
        weights[0] = Far(t + 1);
        weights[1] = Near(t);
        weights[2] = Near(1 - t);
        weights[3] = Far(2 - t);
        return index;
    }

    // Keys' cubic convolution kernel with a = −0.75 (PyTorch's cubic_convolution1/2).
    private static double Near(double x) => ((A + 2) * x - (A + 3)) * x * x + 1;

    private static double Far(double x) => ((A * x - 5 * A) * x + 8 * A) * x - 4 * A;
}
