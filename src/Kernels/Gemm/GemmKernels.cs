using System.Reflection;
using System.Runtime.CompilerServices;
using ILGPU.Runtime;
using GemmLauncher = System.Action<
    ILGPU.KernelConfig,
    ILGPU.ArrayView<float>, ILGPU.ArrayView<float>, ILGPU.ArrayView<float>,
    int, int, int, long, long, long, float, float>;

namespace CrsIlgpu.Kernels.Gemm;

/// <summary>
/// Explicitly grouped ILGPU GEMM kernels. Each group computes a 64×64 tile of C with 16×16 threads;
/// each thread owns a 4×4 sub-block strided by 16 in both directions (rows ty+16i, columns tx+16j),
/// so shared-memory reads of B are consecutive across a warp and global stores are coalesced.
/// Grid: x = column tiles, y = row tiles, z = batch index.
/// </summary>
public static class GemmKernels
{
    public const int TileM = TileAccumulator.TileM;
    public const int TileN = TileAccumulator.TileN;
    public const int TileK = TileAccumulator.TileK;
    public const int GroupSize = ThreadsX * ThreadsY;

    private const int ThreadsX = TileAccumulator.ThreadsX;
    private const int ThreadsY = TileAccumulator.ThreadsY;

    /// <summary>
    /// Row stride of the k-major shared tiles. The +4 pad spreads the K-contiguous tile fills
    /// (8 k values × 4 rows per warp) over all 32 banks instead of 4.
    /// </summary>
    private const int TileStride = TileM + 4;

    public static IReadOnlyList<KernelEntry> Catalog { get; } =
        Enum.GetValues<GemmLayout>()
            .Select(l => new KernelEntry(NameFor(l), "Gemm", MethodFor(l), KernelGrouping.Explicit,
                $"tiled SGEMM {l}: 64×64×8 tiles, 4×4 per thread, batched over grid z"))
            .ToList();

    /// <summary>Stable kernel name used in logs, errors and profiles.</summary>
    public static string NameFor(GemmLayout layout) => layout switch
    {
        GemmLayout.NN => "gemm_nn",
        GemmLayout.NT => "gemm_nt",
        GemmLayout.TN => "gemm_tn",
        _ => throw new ArgumentOutOfRangeException(nameof(layout), layout, "unknown GEMM layout"),
    };

    /// <summary>The kernel entry method for a layout (e.g. for reflection-based loading or PTX dumps).</summary>
    public static MethodInfo MethodFor(GemmLayout layout) => EntryMethod(typeof(GemmKernels), layout, "");

    /// <summary>
    /// The entry method of a GEMM family for a layout: every family (64×64, 128×128, TF32) names its
    /// entries Gemm{NN,NT,TN}{suffix}, so one lookup serves all (KernelCatalogTests checks each
    /// catalogued method is the one the launcher loads).
    /// </summary>
    internal static MethodInfo EntryMethod(Type family, GemmLayout layout, string suffix)
    {
        if (!Enum.IsDefined(layout))
            throw new ArgumentOutOfRangeException(nameof(layout), layout, "unknown GEMM layout");
        var name = "Gemm" + layout + suffix;
        return family.GetMethod(name, BindingFlags.Public | BindingFlags.Static)
            ?? throw new InvalidOperationException($"kernel method {family.Name}.{name} not found");
    }

    /// <summary>Grid and group shape for a problem: one group per 64×64 tile, z = batch.</summary>
    public static KernelConfig ConfigFor(GemmProblem p) => GemmGrid.Config(p.M, p.N, p.Batch, TileM, TileN, ThreadsX, ThreadsY);

    /// <summary>
    /// Groups of 128×128 tiles a problem needs before the large kernel is chosen: about one group
    /// per SM of an H100 SXM / H200 (132 SMs). Below that, 128×128 tiles leave SMs idle and the
    /// 64×64 kernel's four times as many groups keep the GPU busier.
    /// </summary>
    public const int LargeTileMinGroups = 128;

    /// <summary>
    /// The tile rule: <see cref="GemmTile.Large128"/> when M ≥ 128 and N ≥ 128 (a skinny side
    /// would waste most of a 128-wide tile) and the problem has at least
    /// <see cref="LargeTileMinGroups"/> 128×128 tiles counting the batch; otherwise
    /// <see cref="GemmTile.Small64"/>.
    /// </summary>
    public static GemmTile ChooseTile(GemmProblem p)
    {
        if (p.M < GemmLargeKernels.TileM || p.N < GemmLargeKernels.TileN)
            return GemmTile.Small64;
        long groups = (long)((p.M + GemmLargeKernels.TileM - 1) / GemmLargeKernels.TileM)
            * ((p.N + GemmLargeKernels.TileN - 1) / GemmLargeKernels.TileN) * p.Batch;
        return groups >= LargeTileMinGroups ? GemmTile.Large128 : GemmTile.Small64;
    }

    /// <summary>
    /// Streaming multiprocessors assumed where the device has none to report (the CPU accelerator,
    /// the planner): an H100 SXM / H200's 132, so CPU tests and memory plans take the GPU's splits.
    /// </summary>
    public const int DefaultMultiprocessors = 132;

    /// <summary>Resident 256-thread groups per SM the split rule fills (about 4 at the GEMMs' register counts).</summary>
    public const int SplitKGroupsPerMultiprocessor = 4;

    /// <summary>Fewest K per group: 32 K-steps, so each group's loop outweighs its partial tile's store and reduce.</summary>
    public const int SplitKMinLength = 256;

    /// <summary>Most K groups per tile (bounds the workspace at 32 partial outputs).</summary>
    public const int SplitKMaxGroups = 32;

    /// <summary>
    /// The split-K rule for a dense TN GEMM (weight gradients: small In×Out output, K = token rows).
    /// Only where the tile rule picks the 64×64 kernel and its tiles (counting the batch) fill fewer
    /// than <see cref="SplitKGroupsPerMultiprocessor"/> × <paramref name="multiprocessors"/> groups:
    /// then K is split into enough groups to fill them, but never below <see cref="SplitKMinLength"/>
    /// per group nor above <see cref="SplitKMaxGroups"/>. 1 means no split. A pure function of the
    /// shape and the SM count: the same problem always gets the same partition (and bytes).
    /// </summary>
    public static int ChooseSplitK(GemmProblem p, int multiprocessors)
    {
        if (p.Layout != GemmLayout.TN || ChooseTile(p) != GemmTile.Small64 || multiprocessors < 1)
            return 1;
        long tiles = (long)((p.M + TileM - 1) / TileM) * ((p.N + TileN - 1) / TileN) * p.Batch;
        long target = (long)SplitKGroupsPerMultiprocessor * multiprocessors;
        if (tiles >= target)
            return 1;
        long wanted = (target + tiles - 1) / tiles;
        long byLength = p.K / SplitKMinLength;
        int splits = (int)Math.Min(Math.Min(wanted, byLength), SplitKMaxGroups);
        if (splits < 2)
            return 1;
        // No empty slice: the count the K-step-aligned slice length actually needs.
        int length = SplitKLength(p, splits);
        return (p.K + length - 1) / length;
    }

    /// <summary>K per group for a split count: ⌈K / splits⌉ rounded up to whole K-steps of 8.</summary>
    public static int SplitKLength(GemmProblem p, int splits)
    {
        int length = (p.K + splits - 1) / splits;
        return (length + TileK - 1) / TileK * TileK;
    }

    /// <summary>The kernel name that runs a problem on the GPU under the tile rule.</summary>
    public static string KernelNameFor(GemmProblem p) =>
        ChooseTile(p) == GemmTile.Large128 ? GemmLargeKernels.NameFor(p.Layout) : NameFor(p.Layout);

    /// <summary>
    /// Validates and enqueues the GEMM on the accelerator's default stream with the kernel the
    /// tile rule picks. Does not synchronize.
    /// </summary>
    public static void Launch(DeviceContext device, GemmProblem p, ArrayView<float> a, ArrayView<float> b, ArrayView<float> c) =>
        Launch(device, p, a, b, c, ChooseTile(p));

    /// <summary>Validates and enqueues the GEMM with a given kernel (tests and benches force one). Does not synchronize.</summary>
    public static void Launch(DeviceContext device, GemmProblem p, ArrayView<float> a, ArrayView<float> b, ArrayView<float> c, GemmTile tile)
    {
        if (tile == GemmTile.Large128)
        {
            GemmLargeKernels.Launch(device, p, a, b, c);
            return;
        }
        ArgumentNullException.ThrowIfNull(device);
        p.Validate(a.Length, b.Length, c.Length);
        KernelConfig config = ConfigFor(p);
        GridLimit.Check(config, p.OpName, p.M, p.Batch);
        Launcher(device, p.Layout)(config, a, b, c, p.M, p.N, p.K, p.StrideA, p.StrideB, p.StrideC, p.Alpha, p.Beta);
    }

    /// <summary>The loaded kernel of a layout, from the device's kernel cache (loaded once per device).</summary>
    private static GemmLauncher Launcher(DeviceContext device, GemmLayout layout) => layout switch
    {
        GemmLayout.NN => device.Kernel(NameFor(layout), acc => acc.LoadStreamKernel<
            ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int, long, long, long, float, float>(GemmNN)),
        GemmLayout.NT => device.Kernel(NameFor(layout), acc => acc.LoadStreamKernel<
            ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int, long, long, long, float, float>(GemmNT)),
        _ => device.Kernel(NameFor(layout), acc => acc.LoadStreamKernel<
            ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int, long, long, long, float, float>(GemmTN)),
    };

    public static void GemmNN(
        ArrayView<float> a, ArrayView<float> b, ArrayView<float> c,
        int m, int n, int k, long strideA, long strideB, long strideC, float alpha, float beta) =>
        Tile(a, b, c, m, n, k, strideA, strideB, strideC, alpha, beta, transA: false, transB: false);

    public static void GemmNT(
        ArrayView<float> a, ArrayView<float> b, ArrayView<float> c,
        int m, int n, int k, long strideA, long strideB, long strideC, float alpha, float beta) =>
        Tile(a, b, c, m, n, k, strideA, strideB, strideC, alpha, beta, transA: false, transB: true);

    public static void GemmTN(
        ArrayView<float> a, ArrayView<float> b, ArrayView<float> c,
        int m, int n, int k, long strideA, long strideB, long strideC, float alpha, float beta) =>
        Tile(a, b, c, m, n, k, strideA, strideB, strideC, alpha, beta, transA: true, transB: false);

    /// <summary>
    /// The shared tile loop. transA/transB are literal constants at every call site, so after
    /// inlining ILGPU folds the layout branches and each entry point is a specialised kernel.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Tile(
        ArrayView<float> a, ArrayView<float> b, ArrayView<float> c,
        int m, int n, int k, long strideA, long strideB, long strideC, float alpha, float beta,
        bool transA, bool transB)
    {
        int tx = Group.IdxX;
        int ty = Group.IdxY;
        int tid = ty * ThreadsX + tx;
        int m0 = Grid.IdxY * TileM;
        int n0 = Grid.IdxX * TileN;
        long batch = Grid.IdxZ;
        long offA = batch * strideA;
        long offB = batch * strideB;
        long offC = batch * strideC;

        // k-major tiles: tileA[kk * TileStride + row], tileB[kk * TileStride + col].
        var tileA = SharedMemory.Allocate<float>(TileK * TileStride);
        var tileB = SharedMemory.Allocate<float>(TileK * TileStride);

        // Accumulators as structs of scalars: ILGPU keeps them in registers (an array would spill to local memory).
        var acc = default(TileAccumulator);

        // Register prefetch: the global loads for tile t+1 are issued before computing tile t.
        int e0 = tid;
        int e1 = tid + GroupSize;
        float pa0 = FetchA(a, e0, m0, 0, m, k, offA, transA);
        float pa1 = FetchA(a, e1, m0, 0, m, k, offA, transA);
        float pb0 = FetchB(b, e0, n0, 0, n, k, offB, transB);
        float pb1 = FetchB(b, e1, n0, 0, n, k, offB, transB);

        for (int k0 = 0; k0 < k; k0 += TileK)
        {
            tileA[SlotA(e0, transA)] = pa0;
            tileA[SlotA(e1, transA)] = pa1;
            tileB[SlotB(e0, transB)] = pb0;
            tileB[SlotB(e1, transB)] = pb1;
            Group.Barrier();

            // Past the end of K these return 0 without touching memory.
            int next = k0 + TileK;
            pa0 = FetchA(a, e0, m0, next, m, k, offA, transA);
            pa1 = FetchA(a, e1, m0, next, m, k, offA, transA);
            pb0 = FetchB(b, e0, n0, next, n, k, offB, transB);
            pb1 = FetchB(b, e1, n0, next, n, k, offB, transB);

            acc = acc.MultiplyTiles(tileA, tileB, tx, ty, TileStride);

            // Nobody may overwrite the tiles until every thread has finished reading them.
            Group.Barrier();
        }

        int col = n0 + tx;
        StoreRow(c, acc.Row0, m0 + ty, col, m, n, offC, alpha, beta);
        StoreRow(c, acc.Row1, m0 + ty + ThreadsY, col, m, n, offC, alpha, beta);
        StoreRow(c, acc.Row2, m0 + ty + 2 * ThreadsY, col, m, n, offC, alpha, beta);
        StoreRow(c, acc.Row3, m0 + ty + 3 * ThreadsY, col, m, n, offC, alpha, beta);
    }

    // Element e (0..511) of a 64×8 tile maps to (row or col, kk) so that consecutive threads read
    // consecutive global addresses: along K when the stored matrix is K-contiguous, else along M/N.

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int RowOfA(int e, bool transA) => transA ? e & (TileM - 1) : e >> 3;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int KOfA(int e, bool transA) => transA ? e >> 6 : e & (TileK - 1);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int ColOfB(int e, bool transB) => transB ? e >> 3 : e & (TileN - 1);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int KOfB(int e, bool transB) => transB ? e & (TileK - 1) : e >> 6;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int SlotA(int e, bool transA) => KOfA(e, transA) * TileStride + RowOfA(e, transA);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int SlotB(int e, bool transB) => KOfB(e, transB) * TileStride + ColOfB(e, transB);

    /// <summary>Element e of the A tile at k0; 0 outside the matrix so the inner loop needs no bounds checks.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float FetchA(ArrayView<float> a, int e, int m0, int k0, int m, int k, long offA, bool transA)
    {
        int gr = m0 + RowOfA(e, transA);
        int gk = k0 + KOfA(e, transA);
        if (gr >= m || gk >= k)
            return 0f;
        // A stored K×M when transposed, else M×K.
        return transA ? a[offA + (long)gk * m + gr] : a[offA + (long)gr * k + gk];
    }

    /// <summary>Element e of the B tile at k0, zero-filled outside the matrix.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float FetchB(ArrayView<float> b, int e, int n0, int k0, int n, int k, long offB, bool transB)
    {
        int gc = n0 + ColOfB(e, transB);
        int gk = k0 + KOfB(e, transB);
        if (gc >= n || gk >= k)
            return 0f;
        // B stored N×K when transposed, else K×N.
        return transB ? b[offB + (long)gc * k + gk] : b[offB + (long)gk * n + gc];
    }

    /// <summary>Writes one thread row (4 columns strided by 16), bounds-checked; C is read only when beta ≠ 0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreRow(
        ArrayView<float> c, Quad acc, int row, int col, int m, int n, long offC, float alpha, float beta)
    {
        if (row >= m)
            return;
        long rowOff = offC + (long)row * n;
        Store(c, acc.X, rowOff, col, n, alpha, beta);
        Store(c, acc.Y, rowOff, col + ThreadsX, n, alpha, beta);
        Store(c, acc.Z, rowOff, col + 2 * ThreadsX, n, alpha, beta);
        Store(c, acc.W, rowOff, col + 3 * ThreadsX, n, alpha, beta);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(ArrayView<float> c, float acc, long rowOff, int col, int n, float alpha, float beta)
    {
        if (col >= n)
            return;
        GemmStore.Scaled(c, rowOff + col, acc, alpha, beta);
    }
}
