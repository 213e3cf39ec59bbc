using System.Buffers;
using System.Numerics.Tensors;

namespace CrsIlgpu.Kernels.Bias;

/// <summary>
/// CPU backend of the bias epilogues: TensorPrimitives row by row (vectorized), Parallel.For over
/// row chunks when the matrix is large. The gradient sums fixed 128-row chunks into partial rows,
/// then adds the partials in chunk order: deterministic whatever the thread count.
/// </summary>
public static class BiasCpu
{
    private const int ParallelThreshold = 1 << 16;
    private const int RowsPerChunk = 128;

    public static void Add(Span<float> y, ReadOnlySpan<float> b)
    {
        var cols = b.Length;
        var rows = y.Length / cols;
        if (y.Length < ParallelThreshold)
        {
            for (var r = 0; r < rows; r++)
            {
                var row = y.Slice(r * cols, cols);
                TensorPrimitives.Add(row, b, row);
            }
            return;
        }
        unsafe
        {
            fixed (float* py = y, pb = b)
            {
                var (yp, bp) = ((nint)py, (nint)pb);
                Parallel.For(0, (rows + RowsPerChunk - 1) / RowsPerChunk, CpuThreads.Options, chunk =>
                {
                    var bias = new ReadOnlySpan<float>((float*)bp, cols);
                    var end = Math.Min(rows, (chunk + 1) * RowsPerChunk);
                    for (var r = chunk * RowsPerChunk; r < end; r++)
                    {
                        var row = new Span<float>((float*)yp + (long)r * cols, cols);
                        TensorPrimitives.Add(row, bias, row);
                    }
                });
            }
        }
    }

    /// <summary>db[c] = Σ_r dy[r, c], overwriting db.</summary>
    public static void Grad(ReadOnlySpan<float> dy, Span<float> db)
    {
        var cols = db.Length;
        var rows = dy.Length / cols;
        var chunks = (rows + RowsPerChunk - 1) / RowsPerChunk;
        if (rows == 0)
        {
            db.Clear();
            return;
        }
        if (chunks == 1)
        {
            SumRows(dy, rows, cols, db);
            return;
        }
        var partial = ArrayPool<float>.Shared.Rent(chunks * cols);
        try
        {
            unsafe
            {
                fixed (float* pdy = dy, pp = partial)
                {
                    var (dyp, ppart) = ((nint)pdy, (nint)pp);
                    void SumChunk(int chunk)
                    {
                        var start = chunk * RowsPerChunk;
                        var count = Math.Min(RowsPerChunk, rows - start);
                        SumRows(new ReadOnlySpan<float>((float*)dyp + (long)start * cols, count * cols), count, cols,
                            new Span<float>((float*)ppart + (long)chunk * cols, cols));
                    }
                    if (dy.Length >= ParallelThreshold)
                        Parallel.For(0, chunks, CpuThreads.Options, SumChunk);
                    else
                        for (var chunk = 0; chunk < chunks; chunk++)
                            SumChunk(chunk);
                }
            }
            SumRows(partial.AsSpan(0, chunks * cols), chunks, cols, db);
        }
        finally
        {
            ArrayPool<float>.Shared.Return(partial);
        }
    }

    // sum[c] = Σ_r m[r, c] for a row-major [rows, cols] span, row after row.
    private static void SumRows(ReadOnlySpan<float> m, int rows, int cols, Span<float> sum)
    {
        m[..cols].CopyTo(sum);
        for (var r = 1; r < rows; r++)
            TensorPrimitives.Add(sum, m.Slice(r * cols, cols), sum);
    }
}
