namespace CrsIlgpu.Kernels.Reduction;

/// <summary>
/// Splits rows into chunks of about <see cref="TargetElements"/> elements for Parallel.For, so
/// short rows do not pay one task each; below <see cref="ParallelThreshold"/> elements it runs on
/// the calling thread. Used by the CPU backends of the row-wise families.
/// </summary>
public static class ParallelRows
{
    public const int TargetElements = 16384;

    /// <summary>Smaller problems are not worth the thread hand-off.</summary>
    public const long ParallelThreshold = 65536;

    public static void For(int rows, int rowLength, Action<int, int> body)
    {
        if (rows <= 0)
            return;
        var perChunk = Math.Max(1, TargetElements / Math.Max(rowLength, 1));
        var chunks = (rows + perChunk - 1) / perChunk;
        if (chunks == 1 || (long)rows * rowLength < ParallelThreshold)
        {
            body(0, rows);
            return;
        }
        Parallel.For(0, chunks, CpuThreads.Options, c => body(c * perChunk, Math.Min(rows, (c + 1) * perChunk)));
    }
}
