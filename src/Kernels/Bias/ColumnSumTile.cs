using ILGPU.Runtime;

namespace CrsIlgpu.Kernels.Bias;

/// <summary>
/// Deterministic column sums of a row-strided matrix, the device-side body shared by the
/// bias-gradient and embedding-gradient kernels (no float atomics: every output is written by one
/// thread, combining partials in a fixed order).
/// <para>
/// Layout: a group of G threads is a tile of W = min(32, G) adjacent columns × L = G / W row lanes
/// (threads beyond W·L idle but still meet the barrier). Group g takes column tile g mod tiles and
/// row block g / tiles: thread (lane, col) sums rows lane, lane + L, … of its block, so each row a
/// warp reads is W consecutive floats (128 B coalesced at W = 32). The L lane sums are then added
/// in lane order through shared memory and written to output[block, col]. With one row block
/// the output is the final column sum; with several, a second launch over the [blocks, cols]
/// partials (one block) finishes it. Why not one thread per column: at cols = 192 that is 192
/// threads for a 12,608-row sweep, a few warps on a 132-SM GPU, each walking rows serially.
/// </para>
/// </summary>
internal static class ColumnSumTile
{
    public const int MaxGroupSize = 1024;
    public const int TileWidth = 32;

    /// <summary>Groups needed for <paramref name="cols"/> columns in <paramref name="rowBlocks"/> row blocks.</summary>
    public static int GroupCount(int cols, int rowBlocks, int groupSize) =>
        (cols + Width(groupSize) - 1) / Width(groupSize) * rowBlocks;

    public static int Width(int groupSize) => Math.Min(TileWidth, groupSize);

    /// <summary>
    /// output[block·cols + c] = Σ over rows r of the block of x[offset + r·rowStride + c]. Every thread
    /// of the group must call it (it has a barrier).
    /// </summary>
    public static void Sum(ArrayView<float> x, long offset, long rowStride, int rows, int cols, int rowsPerBlock, ArrayView<float> output)
    {
        var width = IntrinsicMath.Min(TileWidth, Group.DimX);
        var lanes = Group.DimX / width;
        var tiles = (cols + width - 1) / width;
        var tile = Grid.IdxX % tiles;
        var block = Grid.IdxX / tiles;
        var tid = Group.IdxX;
        var lane = tid / width;
        var col = tile * width + tid % width;

        var sum = 0f;
        if (lane < lanes && col < cols)
        {
            var end = IntrinsicMath.Min(rows, (block + 1) * rowsPerBlock);
            for (var r = block * rowsPerBlock + lane; r < end; r += lanes)
                sum += x[offset + r * rowStride + col];
        }

        var shared = SharedMemory.Allocate<float>(MaxGroupSize);
        shared[tid] = sum;
        Group.Barrier();
        if (tid < width && col < cols)
        {
            var total = 0f;
            for (var k = 0; k < lanes; k++)
                total += shared[k * width + tid];
            output[(long)block * cols + col] = total;
        }
    }
}
