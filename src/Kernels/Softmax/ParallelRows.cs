namespace CrsIlgpu.Kernels.Softmax;

/// <summary>
/// Splits rows into chunks of about <see cref="TargetElements"/> elements for Parallel.For, so
/// short rows do not pay one task each. Used by the CPU backends of the row-wise families.
/// </summary>
public static class ParallelRows
{
    public const int TargetElements = 16384;

    public static void For(int rows, int rowLength, Action<int, int> body)
    {
        if (rows <= 0)
            return;
        var perChunk = Math.Max(1, TargetElements / Math.Max(rowLength, 1));
        var chunks = (rows + perChunk - 1) / perChunk;
        if (chunks == 1)
        {
            body(0, rows);
            return;
        }
        Parallel.For(0, chunks, c => body(c * perChunk, Math.Min(rows, (c + 1) * perChunk)));
    }
}
