using System.Reflection;
using System.Runtime.CompilerServices;
using ILGPU.Runtime;

namespace CrsIlgpu.Kernels.Gemm;

/// <summary>
/// The TF32 tensor-core GEMM (opt-in: <see cref="MatmulPrecision.Tf32"/>): each group of 256
/// threads (8 warps as 2 × 4) computes a 128×128 tile of C, K-step 8; each warp owns 64×32 of it as
/// 4 × 4 mma.sync.m16n8k8 tiles (<see cref="MmaAccumulator"/>), FP32 accumulate. Global → shared
/// as in <see cref="GemmLargeKernels"/> (one quad of A and one of B per thread per K-step, 128-bit
/// where aligned, fetched for step t+1 before step t's mma, two shared stages, one barrier per
/// K-step), rounded to TF32 on the way into shared memory (cvt.rna once per element, not per
/// fragment load). Shared layouts keep both the quad stores and the fragment loads free of bank
/// conflicts: a K-contiguous operand (A in NN/NT, B in NT) is stored [row][k] with a row stride of
/// 12 floats, an M/N-contiguous one (A in TN, B in NN) [k][row] with a k stride of 136; lanes
/// (g, t) then read 32 distinct banks (12g + t, resp. 8t + g, mod 32). Fragments are read with
/// scalar shared loads in the PTX ISA's layout (<see cref="WarpMma"/>): per K-step and warp 16 A
/// and 8 B loads for 16 mma. On a backend without PTX the same kernel runs the mma emulation.
/// Warps whose 64×32 sub-tile lies wholly outside C skip their mma (a warp-uniform branch).
/// Grid: x = column tiles, y = row tiles, z = batch index.
/// </summary>
public static class GemmTf32Kernels
{
    public const int TileM = 128;
    public const int TileN = 128;
    public const int TileK = 8;
    public const int GroupSize = 256;
    public const int WarpTileM = 64;
    public const int WarpTileN = 32;
    private const int WarpsN = TileN / WarpTileN;

    /// <summary>[row][k] layout: floats per row (8 k + 4 pad; 48 bytes keeps every row 16-byte aligned).</summary>
    private const int KStride = TileK + 4;

    /// <summary>[k][row] layout: floats per k (128 + 8 pad, ≡ 8 mod 32).</summary>
    private const int MnStride = TileM + 8;

    /// <summary>Quads per stage: the larger of the two layouts (128·12 and 8·136 floats).</summary>
    private const int StageQuads = TileM * KStride / 4;

    public static IReadOnlyList<KernelEntry> Catalog { get; } =
        Enum.GetValues<GemmLayout>()
            .Select(l => new KernelEntry(NameFor(l), "Gemm", MethodFor(l), KernelGrouping.Explicit,
                $"TF32 tensor-core GEMM {l}: mma.sync m16n8k8, FP32 accumulate, 128×128×8 tiles, 8 warps of 64×32, double-buffered, batched over grid z"))
            .ToList();

    /// <summary>Stable kernel name (profiles, benches, the PTX gate): gemm_nn_tf32, ...</summary>
    public static string NameFor(GemmLayout layout) => GemmKernels.NameFor(layout) + "_tf32";

    public static MethodInfo MethodFor(GemmLayout layout) => GemmKernels.EntryMethod(typeof(GemmTf32Kernels), layout, "Tf32");

    /// <summary>One group of 256 threads per 128×128 tile, z = batch.</summary>
    public static KernelConfig ConfigFor(GemmProblem p) => GemmGrid.Config(p.M, p.N, p.Batch, TileM, TileN, GroupSize, 1);

    /// <summary>Validates and enqueues the TF32 GEMM on the accelerator's default stream (as the 128×128 SIMT one). Does not synchronize.</summary>
    public static void Launch(DeviceContext device, GemmProblem p, ArrayView<float> a, ArrayView<float> b, ArrayView<float> c) =>
        GemmLargeKernels.Enqueue(device, p, a, b, c, ConfigFor, layout => layout switch
        {
            GemmLayout.NN => device.Kernel(NameFor(layout), acc => acc.LoadStreamKernel<
                ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int, long, long, long, float, float, int>(GemmNNTf32)),
            GemmLayout.NT => device.Kernel(NameFor(layout), acc => acc.LoadStreamKernel<
                ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int, long, long, long, float, float, int>(GemmNTTf32)),
            _ => device.Kernel(NameFor(layout), acc => acc.LoadStreamKernel<
                ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int, long, long, long, float, float, int>(GemmTNTf32)),
        });

    public static void GemmNNTf32(
        ArrayView<float> a, ArrayView<float> b, ArrayView<float> c,
        int m, int n, int k, long strideA, long strideB, long strideC, float alpha, float beta, int vector) =>
        Tile(a, b, c, m, n, k, strideA, strideB, strideC, alpha, beta, vector, transA: false, transB: false,
            default, default, 0, 0, sampled: false, gathered: false);

    public static void GemmNTTf32(
        ArrayView<float> a, ArrayView<float> b, ArrayView<float> c,
        int m, int n, int k, long strideA, long strideB, long strideC, float alpha, float beta, int vector) =>
        Tile(a, b, c, m, n, k, strideA, strideB, strideC, alpha, beta, vector, transA: false, transB: true,
            default, default, 0, 0, sampled: false, gathered: false);

    public static void GemmTNTf32(
        ArrayView<float> a, ArrayView<float> b, ArrayView<float> c,
        int m, int n, int k, long strideA, long strideB, long strideC, float alpha, float beta, int vector) =>
        Tile(a, b, c, m, n, k, strideA, strideB, strideC, alpha, beta, vector, transA: true, transB: false,
            default, default, 0, 0, sampled: false, gathered: false);

    /// <summary>
    /// The tile loop; transA/transB/sampled/gathered are literals at every call site, so ILGPU folds
    /// the branches and each entry point is a specialised kernel. <paramref name="sampled"/>: the
    /// WTA-CRS sampled TN GEMM under TF32, global loads (dense or sampled) as in
    /// <see cref="GemmLargeKernels"/>'s loop: <see cref="LargeTileFetch"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Tile(
        ArrayView<float> a, ArrayView<float> b, ArrayView<float> c,
        int m, int n, int k, long strideA, long strideB, long strideC, float alpha, float beta, int vector,
        bool transA, bool transB,
        ArrayView<int> indices, ArrayView<float> scales, long strideSamples, int rows, bool sampled, bool gathered)
    {
        int tid = Group.IdxX;
        int lane = Warp.LaneIdx;
        int warp = Warp.WarpIdx;
        int g = lane >> 2;
        int t = lane & 3;
        int m0 = Grid.IdxY * TileM;
        int n0 = Grid.IdxX * TileN;
        long batch = Grid.IdxZ;
        long offC = batch * strideC;
        var fetch = new LargeTileFetch(a, b, tid, m0, n0, m, n, k, batch, strideA, strideB, vector, transA, transB,
            indices, scales, strideSamples, rows, sampled, gathered);

        // A is K-contiguous in global memory unless transposed (TN); B is K-contiguous when transposed (NT).
        bool aRowK = !transA;
        bool bRowK = transB;

        var tileA = SharedMemory.Allocate<Quad>(2 * StageQuads);
        var tileB = SharedMemory.Allocate<Quad>(2 * StageQuads);
        var tileAf = tileA.Cast<float>();
        var tileBf = tileB.Cast<float>();

        // This warp's 64×32 sub-tile and this lane's fragment coordinates in it.
        int warpRow = (warp / WarpsN) * WarpTileM;
        int warpCol = (warp % WarpsN) * WarpTileN;
        bool warpActive = m0 + warpRow < m && n0 + warpCol < n;
        int fragRow = warpRow + g;
        int fragCol = warpCol + g;

        var acc = default(MmaAccumulator);

        // The first step's loads (its sample t is LoadRowMn); each K-step then fetches the next.
        int source = fetch.Source(fetch.LoadRowMn);
        Quad pa = fetch.A(0, fetch.LoadRowMn, source);
        Quad pb = fetch.B(0, fetch.LoadRowMn, source);
        StoreTile(tileA, 0, pa, fetch, aRowK);
        StoreTile(tileB, 0, pb, fetch, bRowK);
        Group.Barrier();

        int stage = 0;
        for (int k0 = 0; k0 < k; k0 += TileK)
        {
            int next = k0 + TileK;
            int sample = fetch.SampleOf(next);
            source = fetch.Source(sample);
            pa = fetch.A(next, sample, source);
            pb = fetch.B(next, sample, source);

            if (warpActive)
            {
                int sf = stage * 4;
                acc = acc.Step(
                    FragmentA(tileAf, sf, fragRow, t, aRowK),
                    FragmentA(tileAf, sf, fragRow + 16, t, aRowK),
                    FragmentA(tileAf, sf, fragRow + 32, t, aRowK),
                    FragmentA(tileAf, sf, fragRow + 48, t, aRowK),
                    Element(tileBf, sf, fragCol, t, bRowK), Element(tileBf, sf, fragCol, t + 4, bRowK),
                    Element(tileBf, sf, fragCol + 8, t, bRowK), Element(tileBf, sf, fragCol + 8, t + 4, bRowK),
                    Element(tileBf, sf, fragCol + 16, t, bRowK), Element(tileBf, sf, fragCol + 16, t + 4, bRowK),
                    Element(tileBf, sf, fragCol + 24, t, bRowK), Element(tileBf, sf, fragCol + 24, t + 4, bRowK));
            }

            // The other stage was last read before the barrier that ended the previous step.
            stage = StageQuads - stage;
            StoreTile(tileA, stage, pa, fetch, aRowK);
            StoreTile(tileB, stage, pb, fetch, bRowK);
            Group.Barrier();
        }

        if (!warpActive)
            return;
        int r = m0 + fragRow;
        int col = n0 + warpCol + 2 * t;
        StoreRow(c, offC, r, col, m, n, acc.T00, acc.T01, acc.T02, acc.T03, alpha, beta);
        StoreRow(c, offC, r + 16, col, m, n, acc.T10, acc.T11, acc.T12, acc.T13, alpha, beta);
        StoreRow(c, offC, r + 32, col, m, n, acc.T20, acc.T21, acc.T22, acc.T23, alpha, beta);
        StoreRow(c, offC, r + 48, col, m, n, acc.T30, acc.T31, acc.T32, acc.T33, alpha, beta);
    }

    /// <summary>
    /// Element (row or column <paramref name="mn"/>, k <paramref name="kk"/>) of a stage: [mn][k]
    /// with stride 12 for a K-contiguous operand, [k][mn] with stride 136 otherwise.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Element(ArrayView<float> tile, int stageFloats, int mn, int kk, bool rowK) =>
        rowK ? tile[stageFloats + mn * KStride + kk] : tile[stageFloats + kk * MnStride + mn];

    /// <summary>The A fragment of the m16 tile whose row g is <paramref name="row"/>: a0 (g, t), a1 (g+8, t), a2 (g, t+4), a3 (g+8, t+4).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Quad FragmentA(ArrayView<float> tile, int stageFloats, int row, int t, bool rowK) =>
        new(
            Element(tile, stageFloats, row, t, rowK),
            Element(tile, stageFloats, row + 8, t, rowK),
            Element(tile, stageFloats, row, t + 4, rowK),
            Element(tile, stageFloats, row + 8, t + 4, rowK));

    /// <summary>
    /// Rounds a fetched quad to TF32 and stores it with one 128-bit store: 4 consecutive k of one
    /// row at [row][k] (K-contiguous operand) or 4 consecutive rows of one k at [k][row].
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreTile(ArrayView<Quad> tile, int stage, Quad v, LargeTileFetch at, bool rowK)
    {
        var rounded = new Quad(Tf32.RoundOnDevice(v.X), Tf32.RoundOnDevice(v.Y), Tf32.RoundOnDevice(v.Z), Tf32.RoundOnDevice(v.W));
        int quad = rowK
            ? at.LoadRowK * (KStride / 4) + (at.LoadQuadK >> 2)
            : at.LoadRowMn * (MnStride / 4) + (at.LoadQuadMn >> 2);
        tile[stage + quad] = rounded;
    }

    /// <summary>
    /// Writes one lane's part of a row of four m16n8 tiles: rows r (c0, c1) and r + 8 (c2, c3), columns
    /// col + 8j and col + 8j + 1 for tile j. Bounds-checked; C is read only when beta ≠ 0.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreRow(
        ArrayView<float> c, long offC, int r, int col, int m, int n, Quad t0, Quad t1, Quad t2, Quad t3, float alpha, float beta)
    {
        StorePair(c, offC, r, col, m, n, t0.X, t0.Y, alpha, beta);
        StorePair(c, offC, r + 8, col, m, n, t0.Z, t0.W, alpha, beta);
        StorePair(c, offC, r, col + 8, m, n, t1.X, t1.Y, alpha, beta);
        StorePair(c, offC, r + 8, col + 8, m, n, t1.Z, t1.W, alpha, beta);
        StorePair(c, offC, r, col + 16, m, n, t2.X, t2.Y, alpha, beta);
        StorePair(c, offC, r + 8, col + 16, m, n, t2.Z, t2.W, alpha, beta);
        StorePair(c, offC, r, col + 24, m, n, t3.X, t3.Y, alpha, beta);
        StorePair(c, offC, r + 8, col + 24, m, n, t3.Z, t3.W, alpha, beta);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StorePair(ArrayView<float> c, long offC, int row, int col, int m, int n, float v0, float v1, float alpha, float beta)
    {
        if (row >= m || col >= n)
            return;
        long i = offC + (long)row * n + col;
        GemmStore.Scaled(c, i, v0, alpha, beta);
        if (col + 1 < n)
            GemmStore.Scaled(c, i + 1, v1, alpha, beta);
    }
}
