using System.Reflection;
using System.Runtime.CompilerServices;
using ILGPU;
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
    public const int TileM = 64;
    public const int TileN = 64;
    public const int TileK = 8;
    public const int GroupSize = 256;

    private const int ThreadsX = 16;
    private const int ThreadsY = 16;

    /// <summary>Elements per shared tile; each of the 256 threads loads two of them.</summary>
    private const int TileElements = TileK * TileM;

    private static readonly ConditionalWeakTable<Accelerator, LauncherCache> Cache = new();

    /// <summary>Stable kernel name used in logs, errors and profiles.</summary>
    public static string NameFor(GemmLayout layout) => layout switch
    {
        GemmLayout.NN => "gemm_nn",
        GemmLayout.NT => "gemm_nt",
        GemmLayout.TN => "gemm_tn",
        _ => throw new ArgumentOutOfRangeException(nameof(layout), layout, "unknown GEMM layout"),
    };

    /// <summary>The kernel entry method for a layout (e.g. for reflection-based loading or PTX dumps).</summary>
    public static MethodInfo MethodFor(GemmLayout layout)
    {
        string name = layout switch
        {
            GemmLayout.NN => nameof(GemmNN),
            GemmLayout.NT => nameof(GemmNT),
            GemmLayout.TN => nameof(GemmTN),
            _ => throw new ArgumentOutOfRangeException(nameof(layout), layout, "unknown GEMM layout"),
        };
        return typeof(GemmKernels).GetMethod(name, BindingFlags.Public | BindingFlags.Static)
            ?? throw new InvalidOperationException($"kernel method {name} not found");
    }

    /// <summary>Grid and group shape for a problem: one group per 64×64 tile, z = batch.</summary>
    public static KernelConfig ConfigFor(GemmProblem p) =>
        new(
            new Index3D((p.N + TileN - 1) / TileN, (p.M + TileM - 1) / TileM, p.Batch),
            new Index3D(ThreadsX, ThreadsY, 1));

    /// <summary>
    /// Validates and enqueues the GEMM on the accelerator's default stream. Does not synchronize.
    /// </summary>
    public static void Launch(Accelerator accelerator, GemmProblem p, ArrayView<float> a, ArrayView<float> b, ArrayView<float> c)
    {
        ArgumentNullException.ThrowIfNull(accelerator);
        p.Validate(a.Length, b.Length, c.Length);
        GemmLauncher launcher = Cache.GetValue(accelerator, static acc => new LauncherCache(acc)).Get(p.Layout);
        launcher(ConfigFor(p), a, b, c, p.M, p.N, p.K, p.StrideA, p.StrideB, p.StrideC, p.Alpha, p.Beta);
    }

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

        // k-major tiles: tileA[kk * TileM + row], tileB[kk * TileN + col].
        var tileA = SharedMemory.Allocate<float>(TileElements);
        var tileB = SharedMemory.Allocate<float>(TileElements);

        // Accumulators as structs of scalars: ILGPU keeps them in registers (an array would spill to local memory).
        var acc0 = default(Quad);
        var acc1 = default(Quad);
        var acc2 = default(Quad);
        var acc3 = default(Quad);

        for (int k0 = 0; k0 < k; k0 += TileK)
        {
            LoadA(a, tileA, tid, m0, k0, m, k, offA, transA);
            LoadA(a, tileA, tid + GroupSize, m0, k0, m, k, offA, transA);
            LoadB(b, tileB, tid, n0, k0, n, k, offB, transB);
            LoadB(b, tileB, tid + GroupSize, n0, k0, n, k, offB, transB);
            Group.Barrier();

            for (int kk = 0; kk < TileK; kk++)
            {
                int rowBase = kk * TileM + ty;
                float a0 = tileA[rowBase];
                float a1 = tileA[rowBase + ThreadsY];
                float a2 = tileA[rowBase + 2 * ThreadsY];
                float a3 = tileA[rowBase + 3 * ThreadsY];
                int colBase = kk * TileN + tx;
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

            // Nobody may overwrite the tiles until every thread has finished reading them.
            Group.Barrier();
        }

        int col = n0 + tx;
        StoreRow(c, acc0, m0 + ty, col, m, n, offC, alpha, beta);
        StoreRow(c, acc1, m0 + ty + ThreadsY, col, m, n, offC, alpha, beta);
        StoreRow(c, acc2, m0 + ty + 2 * ThreadsY, col, m, n, offC, alpha, beta);
        StoreRow(c, acc3, m0 + ty + 3 * ThreadsY, col, m, n, offC, alpha, beta);
    }

    /// <summary>
    /// Loads element e (0..511) of the 64×8 A tile; out-of-range elements become 0 so the
    /// inner loop needs no bounds checks. The mapping keeps global reads consecutive across threads.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void LoadA(
        ArrayView<float> a, ArrayView<float> tileA, int e, int m0, int k0, int m, int k, long offA, bool transA)
    {
        int row, kk;
        if (transA)
        {
            // A stored K×M: consecutive threads walk along M.
            row = e & (TileM - 1);
            kk = e >> 6;
        }
        else
        {
            // A stored M×K: consecutive threads walk along K.
            row = e >> 3;
            kk = e & (TileK - 1);
        }

        int gr = m0 + row;
        int gk = k0 + kk;
        float v = 0f;
        if (gr < m && gk < k)
            v = transA ? a[offA + (long)gk * m + gr] : a[offA + (long)gr * k + gk];
        tileA[kk * TileM + row] = v;
    }

    /// <summary>Loads element e (0..511) of the 8×64 B tile, zero-filled outside the matrix.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void LoadB(
        ArrayView<float> b, ArrayView<float> tileB, int e, int n0, int k0, int n, int k, long offB, bool transB)
    {
        int col, kk;
        if (transB)
        {
            // B stored N×K: consecutive threads walk along K.
            col = e >> 3;
            kk = e & (TileK - 1);
        }
        else
        {
            // B stored K×N: consecutive threads walk along N.
            col = e & (TileN - 1);
            kk = e >> 6;
        }

        int gc = n0 + col;
        int gk = k0 + kk;
        float v = 0f;
        if (gc < n && gk < k)
            v = transB ? b[offB + (long)gc * k + gk] : b[offB + (long)gk * n + gc];
        tileB[kk * TileN + col] = v;
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
        long idx = rowOff + col;
        float v = alpha * acc;
        if (beta != 0f)
            v += beta * c[idx];
        c[idx] = v;
    }

    /// <summary>Four scalars; ILGPU scalarises struct locals, so these live in registers.</summary>
    private readonly struct Quad
    {
        public readonly float X;
        public readonly float Y;
        public readonly float Z;
        public readonly float W;

        public Quad(float x, float y, float z, float w)
        {
            X = x;
            Y = y;
            Z = z;
            W = w;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Quad MulAdd(Quad acc, float a, Quad b) =>
            new(acc.X + a * b.X, acc.Y + a * b.Y, acc.Z + a * b.Z, acc.W + a * b.W);
    }

    /// <summary>Loaded launchers for one accelerator, one per layout, created on first use.</summary>
    private sealed class LauncherCache(Accelerator accelerator)
    {
        private readonly GemmLauncher?[] _launchers = new GemmLauncher?[3];
        private readonly Lock _gate = new();

        public GemmLauncher Get(GemmLayout layout)
        {
            int slot = (int)layout;
            GemmLauncher? launcher = Volatile.Read(ref _launchers[slot]);
            if (launcher is not null)
                return launcher;
            lock (_gate)
            {
                // Compiling a kernel is expensive; do it once even if several threads race here.
                launcher = _launchers[slot];
                if (launcher is null)
                {
                    launcher = layout switch
                    {
                        GemmLayout.NN => accelerator.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int, long, long, long, float, float>(GemmNN),
                        GemmLayout.NT => accelerator.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int, long, long, long, float, float>(GemmNT),
                        _ => accelerator.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int, long, long, long, float, float>(GemmTN),
                    };
                    Volatile.Write(ref _launchers[slot], launcher);
                }
                return launcher;
            }
        }
    }
}
