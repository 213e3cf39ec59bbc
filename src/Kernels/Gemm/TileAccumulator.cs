using System.Runtime.CompilerServices;

namespace CrsIlgpu.Kernels.Gemm;

/// <summary>
/// One thread's 4×4 block of a 64×64 output tile (rows ty + 16·i, columns tx + 16·j), and the
/// K-step both tiled GEMM kernels (dense and sampled) share: multiply the k-major shared tiles
/// tileA[kk·stride + row] and tileB[kk·stride + col] into the accumulators. Structs of scalars,
/// returned by value, so ILGPU keeps all 16 sums in registers.
/// </summary>
internal readonly struct TileAccumulator
{
    public const int TileM = 64;
    public const int TileN = 64;
    public const int TileK = 8;
    public const int ThreadsX = 16;
    public const int ThreadsY = 16;
    public const int GroupSize = ThreadsX * ThreadsY;

    public readonly Quad Row0;
    public readonly Quad Row1;
    public readonly Quad Row2;
    public readonly Quad Row3;

    private TileAccumulator(Quad row0, Quad row1, Quad row2, Quad row3)
    {
        Row0 = row0;
        Row1 = row1;
        Row2 = row2;
        Row3 = row3;
    }

    /// <summary><paramref name="tileStride"/>: the kernel's shared-tile row stride (a literal at each call site, folded after inlining).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public TileAccumulator MultiplyTiles(ArrayView<float> tileA, ArrayView<float> tileB, int tx, int ty, int tileStride)
    {
        Quad acc0 = Row0, acc1 = Row1, acc2 = Row2, acc3 = Row3;
        for (int kk = 0; kk < TileK; kk++)
        {
            int rowBase = kk * tileStride + ty;
            float a0 = tileA[rowBase];
            float a1 = tileA[rowBase + ThreadsY];
            float a2 = tileA[rowBase + 2 * ThreadsY];
            float a3 = tileA[rowBase + 3 * ThreadsY];
            int colBase = kk * tileStride + tx;
            var bq = new Quad(
                tileB[colBase],
                tileB[colBase + ThreadsX],
                tileB[colBase + 2 * ThreadsX],
                tileB[colBase + 3 * ThreadsX]);
            acc0 = Quad.MulAdd(acc0, a0, bq);
            acc1 = Quad.MulAdd(acc1, a1, bq);
            acc2 = Quad.MulAdd(acc2, a2, bq);
            acc3 = Quad.MulAdd(acc3, a3, bq);
        }
        return new TileAccumulator(acc0, acc1, acc2, acc3);
    }
}
