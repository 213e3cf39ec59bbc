namespace CrsIlgpu.Kernels.Bias;

/// <summary>Plain C# of the bias epilogues (row-major [rows, cols]), accumulating in double: the ground truth.</summary>
public static class BiasReference
{
    public static void Add(Span<float> y, ReadOnlySpan<float> b)
    {
        var cols = b.Length;
        for (var i = 0; i < y.Length; i++)
            y[i] += b[i % cols];
    }

    public static void Grad(ReadOnlySpan<float> dy, Span<float> db)
    {
        var cols = db.Length;
        var rows = dy.Length / cols;
        for (var c = 0; c < cols; c++)
        {
            double sum = 0;
            for (var r = 0; r < rows; r++)
                sum += dy[r * cols + c];
            db[c] = (float)sum;
        }
    }
}
