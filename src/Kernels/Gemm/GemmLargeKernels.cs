using System.Reflection;
using System.Runtime.CompilerServices;
using ILGPU.Runtime;
using LargeGemmLauncher = System.Action<
    ILGPU.KernelConfig,
    ILGPU.ArrayView<float>, ILGPU.ArrayView<float>, ILGPU.ArrayView<float>,
    int, int, int, long, long, long, float, float, int>;

namespace CrsIlgpu.Kernels.Gemm;

/// <summary>
/// The large-tile SIMT GEMM: each group of 16×16 threads computes a 128×128 tile of C, K-step 8;
/// each thread owns 8×8 outputs (rows 4·ty..4·ty+3 and 64+4·ty.., columns 4·tx.. and 64+4·tx..)
/// in a <see cref="BlockAccumulator"/>. Per k a thread reads two A quads and two B quads from
/// shared memory with 128-bit loads and does 64 FMAs (16 FMAs per shared-load instruction).
/// Shared tiles are <see cref="Quad"/> arrays (16-byte aligned; a float array is only 4-byte
/// aligned) in two stages: tile t+1 is fetched from global memory into registers before tile t is
/// multiplied and stored into the other stage after, so one barrier per K-step suffices.
/// Global loads are 128-bit where the launcher found the matrix 16-byte aligned (leading
/// dimension, batch stride and view offset multiples of 4) and the quad lies inside the matrix;
/// otherwise (ragged edges, odd leading dimensions) the same thread loads 4 scalars.
/// Grid: x = column tiles, y = row tiles, z = batch index.
/// </summary>
public static class GemmLargeKernels
{
    public const int TileM = 128;
    public const int TileN = 128;
    public const int TileK = 8;
    public const int ThreadsX = 16;
    public const int ThreadsY = 16;
    public const int GroupSize = ThreadsX * ThreadsY;

    /// <summary>Bits of the kernel's last argument: which operands may use 128-bit global access.</summary>
    public const int VectorA = 1;
    public const int VectorB = 2;
    public const int VectorC = 4;

    /// <summary>
    /// Row stride (in floats) of the k-major shared tiles. The +4 pad makes the transposing
    /// scalar fill (16 rows × k-quads 0 and 4 per warp) hit 32 distinct banks (132 ≡ 4 mod 32)
    /// while keeping every row 16-byte aligned for the v4 reads.
    /// </summary>
    private const int TileStride = TileM + 4;

    private const int StrideQuads = TileStride / 4;
    private const int StageQuads = TileK * StrideQuads;

    public static IReadOnlyList<KernelEntry> Catalog { get; } =
        Enum.GetValues<GemmLayout>()
            .Select(l => new KernelEntry(NameFor(l), "Gemm", MethodFor(l), KernelGrouping.Explicit,
                $"SIMT SGEMM {l}: 128×128×8 tiles, 8×8 per thread, 128-bit global/shared loads, double-buffered, batched over grid z"))
            .ToList();

    /// <summary>Stable kernel name used in logs, errors and the PTX gate.</summary>
    public static string NameFor(GemmLayout layout) => GemmKernels.NameFor(layout) + "_128";

    public static MethodInfo MethodFor(GemmLayout layout) => GemmKernels.EntryMethod(typeof(GemmLargeKernels), layout, "128");

    /// <summary>One group per 128×128 tile, z = batch.</summary>
    public static KernelConfig ConfigFor(GemmProblem p) => GemmGrid.Config(p.M, p.N, p.Batch, TileM, TileN, ThreadsX, ThreadsY);

    /// <summary>
    /// Which operands may be read (and C written) as 16-byte quads: the view must start on a
    /// 16-byte boundary (element index a multiple of 4; device allocations are 256-byte aligned),
    /// and every row and batch must start on one too (leading dimension and, when batched, the
    /// batch stride multiples of 4). Anything else takes the scalar path.
    /// </summary>
    public static int VectorFlags(GemmProblem p, long indexA, long indexB, long indexC)
    {
        int ldA = p.Layout == GemmLayout.TN ? p.M : p.K;
        int ldB = p.Layout == GemmLayout.NT ? p.K : p.N;
        int flags = 0;
        if (Aligned(indexA, ldA, p.StrideA, p.Batch))
            flags |= VectorA;
        if (Aligned(indexB, ldB, p.StrideB, p.Batch))
            flags |= VectorB;
        if (Aligned(indexC, p.N, p.StrideC, p.Batch))
            flags |= VectorC;
        return flags;
    }

    /// <summary><see cref="VectorFlags(GemmProblem, long, long, long)"/> of three views, at their element offsets.</summary>
    public static int VectorFlags(GemmProblem p, ArrayView<float> a, ArrayView<float> b, ArrayView<float> c) =>
        VectorFlags(p, ElementIndex(a), ElementIndex(b), ElementIndex(c));

    /// <summary>
    /// ILGPU 1.5.3 keeps a view's element offset into its buffer (ArrayView&lt;T&gt;.Index) internal, yet
    /// a sub-view at an odd offset must not take the quad path (a misaligned v4 access faults, and
    /// on the CPU accelerator Cast would silently round the offset down). Read it by reflection;
    /// a test pins this to the ILGPU version in use.
    /// </summary>
    public static long ElementIndex(ArrayView<float> view) => (long)ViewIndex.GetValue(view)!;

    private static readonly PropertyInfo ViewIndex =
        typeof(ArrayView<float>).GetProperty("Index", BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic)
        ?? throw new InvalidOperationException("ILGPU's ArrayView<T>.Index was not found; the GEMM's alignment check needs it");

    private static bool Aligned(long index, int ld, long stride, int batch) =>
        index % 4 == 0 && ld % 4 == 0 && (batch == 1 || stride % 4 == 0);

    /// <summary>Validates and enqueues the GEMM on the accelerator's default stream. Does not synchronize.</summary>
    public static void Launch(DeviceContext device, GemmProblem p, ArrayView<float> a, ArrayView<float> b, ArrayView<float> c) =>
        Enqueue(device, p, a, b, c, ConfigFor, layout => Launcher(device, layout));

    /// <summary>
    /// What this family and the TF32 one (<see cref="GemmTf32Kernels"/>, the same kernel signature)
    /// do before a launch: validate, check the grid against CUDA's limits, find which operands may
    /// take 128-bit access, then run the layout's loaded kernel.
    /// </summary>
    internal static void Enqueue(
        DeviceContext device, GemmProblem p, ArrayView<float> a, ArrayView<float> b, ArrayView<float> c,
        Func<GemmProblem, KernelConfig> configFor, Func<GemmLayout, LargeGemmLauncher> launcher)
    {
        ArgumentNullException.ThrowIfNull(device);
        p.Validate(a.Length, b.Length, c.Length);
        KernelConfig config = configFor(p);
        GridLimit.Check(config, p.OpName, p.M, p.Batch);
        int flags = VectorFlags(p, a, b, c);
        launcher(p.Layout)(config, a, b, c, p.M, p.N, p.K, p.StrideA, p.StrideB, p.StrideC, p.Alpha, p.Beta, flags);
    }

    /// <summary>The loaded kernel of a layout, from the device's kernel cache (loaded once per device).</summary>
    private static LargeGemmLauncher Launcher(DeviceContext device, GemmLayout layout) => layout switch
    {
        GemmLayout.NN => device.Kernel(NameFor(layout), acc => acc.LoadStreamKernel<
            ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int, long, long, long, float, float, int>(GemmNN128)),
        GemmLayout.NT => device.Kernel(NameFor(layout), acc => acc.LoadStreamKernel<
            ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int, long, long, long, float, float, int>(GemmNT128)),
        _ => device.Kernel(NameFor(layout), acc => acc.LoadStreamKernel<
            ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int, long, long, long, float, float, int>(GemmTN128)),
    };

    public static void GemmNN128(
        ArrayView<float> a, ArrayView<float> b, ArrayView<float> c,
        int m, int n, int k, long strideA, long strideB, long strideC, float alpha, float beta, int vector) =>
        Tile(a, b, c, m, n, k, strideA, strideB, strideC, alpha, beta, vector, transA: false, transB: false,
            default, default, 0, 0, sampled: false, gathered: false);

    public static void GemmNT128(
        ArrayView<float> a, ArrayView<float> b, ArrayView<float> c,
        int m, int n, int k, long strideA, long strideB, long strideC, float alpha, float beta, int vector) =>
        Tile(a, b, c, m, n, k, strideA, strideB, strideC, alpha, beta, vector, transA: false, transB: true,
            default, default, 0, 0, sampled: false, gathered: false);

    public static void GemmTN128(
        ArrayView<float> a, ArrayView<float> b, ArrayView<float> c,
        int m, int n, int k, long strideA, long strideB, long strideC, float alpha, float beta, int vector) =>
        Tile(a, b, c, m, n, k, strideA, strideB, strideC, alpha, beta, vector, transA: true, transB: false,
            default, default, 0, 0, sampled: false, gathered: false);

    /// <summary>
    /// The tile loop. transA/transB/sampled/gathered are literals at every call site, so after
    /// inlining ILGPU folds the branches and each entry point is a specialised kernel.
    /// <paramref name="sampled"/>: the WTA-CRS sampled TN GEMM (<see cref="Sampling.SampledGemmLargeKernels"/>);
    /// the global loads, dense or sampled, are <see cref="LargeTileFetch"/>'s.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Tile(
        ArrayView<float> a, ArrayView<float> b, ArrayView<float> c,
        int m, int n, int k, long strideA, long strideB, long strideC, float alpha, float beta, int vector,
        bool transA, bool transB,
        ArrayView<int> indices, ArrayView<float> scales, long strideSamples, int rows, bool sampled, bool gathered)
    {
        int tx = Group.IdxX;
        int ty = Group.IdxY;
        int tid = ty * ThreadsX + tx;
        int m0 = Grid.IdxY * TileM;
        int n0 = Grid.IdxX * TileN;
        long batch = Grid.IdxZ;
        long offC = batch * strideC;
        bool vecC = (vector & VectorC) != 0;
        var c4 = c.Cast<Quad>();
        var fetch = new LargeTileFetch(a, b, tid, m0, n0, m, n, k, batch, strideA, strideB, vector, transA, transB,
            indices, scales, strideSamples, rows, sampled, gathered);

        // Two stages of k-major tiles: stage s, k row kk, quad q at s·StageQuads + kk·StrideQuads + q.
        var tileA = SharedMemory.Allocate<Quad>(2 * StageQuads);
        var tileB = SharedMemory.Allocate<Quad>(2 * StageQuads);
        var tileAf = tileA.Cast<float>();
        var tileBf = tileB.Cast<float>();

        var acc = default(BlockAccumulator);

        // The first step's loads (its sample t is LoadRowMn); each K-step then fetches the next.
        int source = fetch.Source(fetch.LoadRowMn);
        Quad pa = fetch.A(0, fetch.LoadRowMn, source);
        Quad pb = fetch.B(0, fetch.LoadRowMn, source);
        StoreTile(tileA, tileAf, 0, pa, fetch, transposed: !transA);
        StoreTile(tileB, tileBf, 0, pb, fetch, transposed: transB);
        Group.Barrier();

        int stage = 0;
        for (int k0 = 0; k0 < k; k0 += TileK)
        {
            // Issue the next tile's global loads first so their latency hides behind the FMAs.
            // Past the end of K they return zeros without touching memory.
            int next = k0 + TileK;
            int t = fetch.SampleOf(next);
            source = fetch.Source(t);
            pa = fetch.A(next, t, source);
            pb = fetch.B(next, t, source);

            int baseA = stage + ty;
            int baseB = stage + tx;
            for (int kk = 0; kk < TileK; kk++)
            {
                int rowQuads = kk * StrideQuads;
                acc = acc.Step(
                    tileA[baseA + rowQuads],
                    tileA[baseA + rowQuads + 16],
                    tileB[baseB + rowQuads],
                    tileB[baseB + rowQuads + 16]);
            }

            // The other stage was last read in the previous step, before the barrier that ended it.
            stage = StageQuads - stage;
            StoreTile(tileA, tileAf, stage, pa, fetch, transposed: !transA);
            StoreTile(tileB, tileBf, stage, pb, fetch, transposed: transB);
            Group.Barrier();
        }

        int r = m0 + 4 * ty;
        int c0 = n0 + 4 * tx;
        int c1 = c0 + 64;
        StoreRow(c, c4, offC, r, c0, c1, m, n, acc.R0Lo, acc.R0Hi, alpha, beta, vecC);
        StoreRow(c, c4, offC, r + 1, c0, c1, m, n, acc.R1Lo, acc.R1Hi, alpha, beta, vecC);
        StoreRow(c, c4, offC, r + 2, c0, c1, m, n, acc.R2Lo, acc.R2Hi, alpha, beta, vecC);
        StoreRow(c, c4, offC, r + 3, c0, c1, m, n, acc.R3Lo, acc.R3Hi, alpha, beta, vecC);
        StoreRow(c, c4, offC, r + 64, c0, c1, m, n, acc.R4Lo, acc.R4Hi, alpha, beta, vecC);
        StoreRow(c, c4, offC, r + 65, c0, c1, m, n, acc.R5Lo, acc.R5Hi, alpha, beta, vecC);
        StoreRow(c, c4, offC, r + 66, c0, c1, m, n, acc.R6Lo, acc.R6Hi, alpha, beta, vecC);
        StoreRow(c, c4, offC, r + 67, c0, c1, m, n, acc.R7Lo, acc.R7Hi, alpha, beta, vecC);
    }

    /// <summary>
    /// Puts a fetched quad into the k-major stage. K-contiguous operands (A in NN/NT, B in NT) are
    /// transposed on the way: 4 scalar stores to k rows loadQuadK..+3 at column loadRowK. The
    /// others are already k-major: one 128-bit store.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreTile(ArrayView<Quad> tile, ArrayView<float> tileF, int stage, Quad v, LargeTileFetch at, bool transposed)
    {
        if (transposed)
        {
            int s = stage * 4 + at.LoadQuadK * TileStride + at.LoadRowK;
            tileF[s] = v.X;
            tileF[s + TileStride] = v.Y;
            tileF[s + 2 * TileStride] = v.Z;
            tileF[s + 3 * TileStride] = v.W;
        }
        else
        {
            tile[stage + at.LoadRowMn * StrideQuads + (at.LoadQuadMn >> 2)] = v;
        }
    }

    /// <summary>Writes one thread row (two column quads), bounds-checked; C is read only when beta ≠ 0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreRow(
        ArrayView<float> c, ArrayView<Quad> c4, long offC, int row, int c0, int c1, int m, int n,
        Quad lo, Quad hi, float alpha, float beta, bool vecC)
    {
        if (row >= m)
            return;
        long rowOff = offC + (long)row * n;
        StoreQuad(c, c4, rowOff, c0, n, lo, alpha, beta, vecC);
        StoreQuad(c, c4, rowOff, c1, n, hi, alpha, beta, vecC);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreQuad(ArrayView<float> c, ArrayView<Quad> c4, long rowOff, int col, int n, Quad v, float alpha, float beta, bool vecC)
    {
        if (col >= n)
            return;
        long i = rowOff + col;
        if (vecC && col + 4 <= n)
        {
            var o = new Quad(alpha * v.X, alpha * v.Y, alpha * v.Z, alpha * v.W);
            if (beta != 0f)
            {
                Quad old = c4[i >> 2];
                o = new Quad(o.X + beta * old.X, o.Y + beta * old.Y, o.Z + beta * old.Z, o.W + beta * old.W);
            }
            c4[i >> 2] = o;
            return;
        }
        GemmStore.Scaled(c, i, v.X, alpha, beta);
        if (col + 1 < n)
            GemmStore.Scaled(c, i + 1, v.Y, alpha, beta);
        if (col + 2 < n)
            GemmStore.Scaled(c, i + 2, v.Z, alpha, beta);
        if (col + 3 < n)
            GemmStore.Scaled(c, i + 3, v.W, alpha, beta);
    }
}
