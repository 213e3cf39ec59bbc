using System.Runtime.CompilerServices;
using ILGPU.Runtime;
using static CrsIlgpu.Kernels.Gemm.TileAccumulator;

namespace CrsIlgpu.Kernels.Gemm;

/// <summary>
/// Split-K for the dense TN GEMM (weight gradients dW = Xᵀ·dY: a small In×Out output over a long
/// K of token rows). <see cref="GemmTNSplitK"/> is the 64×64×8 tile of <see cref="GemmKernels"/>
/// over one slice of K per group: grid z = batch · splits + split, and each group writes its raw
/// partial tile (no alpha, no beta) to a workspace [batch, split, M, N]. <see cref="SplitKReduce"/>
/// then adds each element's partials in split order 0, 1, …, S−1 and applies alpha and beta once.
/// No atomics and a fixed order: the same bytes on every run. The split count comes from
/// <see cref="GemmKernels.ChooseSplitK"/>.
/// </summary>
public static class GemmSplitKKernels
{
    public const string Name = "gemm_tn_splitk";
    public const string ReduceName = "gemm_tn_splitk_reduce";

    private const int TileStride = TileM + 4;

    public static IReadOnlyList<KernelEntry> Catalog { get; } = KernelEntry.CatalogOf(typeof(GemmSplitKKernels), "Gemm",
    [
        (Name, nameof(GemmTNSplitK), KernelGrouping.Explicit,
            "split-K SGEMM TN (weight gradients): 64×64×8 tiles over one K slice per group, raw partial tiles to a workspace; grid z = batch · splits"),
        (ReduceName, nameof(SplitKReduce), KernelGrouping.Implicit,
            "split-K reduce: each element's partials added in split order, alpha and beta applied once"),
    ]);

    /// <summary>Groups of the partial kernel: one per 64×64 tile, batch and split.</summary>
    public static KernelConfig ConfigFor(GemmProblem p, int splits) =>
        GemmGrid.Config(p.M, p.N, checked(p.Batch * splits), TileM, TileN, ThreadsX, ThreadsY);

    /// <summary>Floats of the partial-tile workspace: batch × splits × M × N.</summary>
    public static long WorkspaceLength(GemmProblem p, int splits) => (long)p.Batch * splits * p.M * p.N;

    /// <summary>
    /// Enqueues the partial GEMM and the reduce (C = alpha · Σ partials + beta · C). The workspace
    /// must hold <see cref="WorkspaceLength"/> floats. Does not synchronize.
    /// </summary>
    public static void Launch(DeviceContext device, GemmProblem p, ArrayView<float> a, ArrayView<float> b, ArrayView<float> c, ArrayView<float> workspace,
        int splits)
    {
        LaunchPartial(device, p, a, b, workspace, splits);
        LaunchReduce(device, p, workspace, c, splits);
    }

    public static void LaunchPartial(DeviceContext device, GemmProblem p, ArrayView<float> a, ArrayView<float> b, ArrayView<float> workspace, int splits)
    {
        ArgumentNullException.ThrowIfNull(device);
        // C is not touched here (the reduce checks it): validate A and B against the problem.
        Check(p, a.Length, b.Length, NeededC(p), workspace.Length, splits);
        var config = ConfigFor(p, splits);
        GridLimit.Check(config, Name, p.M, p.Batch * splits);
        int kPerSplit = GemmKernels.SplitKLength(p, splits);
        device.Kernel(Name, acc => acc.LoadStreamKernel<
            ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int, long, long, int, int>(GemmTNSplitK))
            (config, a, b, workspace, p.M, p.N, p.K, p.StrideA, p.StrideB, splits, kPerSplit);
    }

    public static void LaunchReduce(DeviceContext device, GemmProblem p, ArrayView<float> workspace, ArrayView<float> c, int splits) =>
        LaunchReduce(device, workspace, c, p.Batch, p.M, p.N, p.StrideC, splits, p.Alpha, p.Beta);

    /// <summary>
    /// The reduce for any split GEMM whose partials are [batch, splits, M, N] (the dense TN and the
    /// sampled TN GEMM): C_b = alpha · Σ_s partial[b, s] + beta · C_b, C_b at b · strideC.
    /// </summary>
    public static void LaunchReduce(
        DeviceContext device, ArrayView<float> workspace, ArrayView<float> c, int batch, int m, int n, long strideC, int splits, float alpha, float beta)
    {
        ArgumentNullException.ThrowIfNull(device);
        long elements = (long)batch * m * n;
        long needed = elements * splits;
        if (elements > int.MaxValue)
            throw new ArgumentException($"{ReduceName}: {elements} output elements exceed one launch");
        if (workspace.Length < needed)
            throw new ArgumentException($"{ReduceName}: workspace has {workspace.Length} floats, needs {needed}");
        long neededC = (batch - 1) * strideC + (long)m * n;
        if (c.Length < neededC)
            throw new ArgumentException($"{ReduceName}: C has {c.Length} floats, needs {neededC} (batch {batch}, stride {strideC})");
        device.Kernel(ReduceName, acc => acc.LoadAutoGroupedStreamKernel<
            Index1D, ArrayView<float>, ArrayView<float>, int, int, long, float, float>(SplitKReduce))
            ((int)elements, workspace, c, m * n, splits, strideC, alpha, beta);
    }

    private static long NeededC(GemmProblem p) => (p.Batch - 1) * p.StrideC + p.ElementsC;

    private static void Check(GemmProblem p, long lengthA, long lengthB, long lengthC, long workspace, int splits)
    {
        if (p.Layout != GemmLayout.TN)
            throw new ArgumentException($"{Name}: split-K is for the TN layout, got {p.Layout}");
        p.Validate(lengthA, lengthB, lengthC);
        if (splits < 1 || splits > p.K)
            throw new ArgumentException($"{Name}: splits must be in 1..K={p.K}, got {splits}");
        if (workspace < WorkspaceLength(p, splits))
            throw new ArgumentException($"{Name}: workspace has {workspace} floats, needs {WorkspaceLength(p, splits)}");
    }

    /// <summary>
    /// One 64×64 tile of Aᵀ·B over k in [split · kPerSplit, min(K, (split + 1) · kPerSplit)), A stored
    /// K×M and B K×N (the TN layout), written raw to partial[z · M · N + row · N + col].
    /// </summary>
    public static void GemmTNSplitK(
        ArrayView<float> a, ArrayView<float> b, ArrayView<float> partial,
        int m, int n, int k, long strideA, long strideB, int splits, int kPerSplit)
    {
        int tx = Group.IdxX;
        int ty = Group.IdxY;
        int tid = ty * ThreadsX + tx;
        int m0 = Grid.IdxY * TileM;
        int n0 = Grid.IdxX * TileN;
        int z = Grid.IdxZ;
        int batch = z / splits;
        int split = z - batch * splits;
        int kBegin = split * kPerSplit;
        int kEnd = Math.Min(k, kBegin + kPerSplit);
        long offA = batch * strideA;
        long offB = batch * strideB;

        var tileA = SharedMemory.Allocate<float>(TileK * TileStride);
        var tileB = SharedMemory.Allocate<float>(TileK * TileStride);
        var acc = default(TileAccumulator);

        // Element e of a 64×8 tile: column e % 64 of k row e / 64 (A and B are both K-major here,
        // so consecutive threads read consecutive addresses).
        int e0 = tid;
        int e1 = tid + GroupSize;
        float pa0 = Fetch(a, offA, e0, m0, kBegin, m, kEnd);
        float pa1 = Fetch(a, offA, e1, m0, kBegin, m, kEnd);
        float pb0 = Fetch(b, offB, e0, n0, kBegin, n, kEnd);
        float pb1 = Fetch(b, offB, e1, n0, kBegin, n, kEnd);

        for (int k0 = kBegin; k0 < kEnd; k0 += TileK)
        {
            tileA[Slot(e0)] = pa0;
            tileA[Slot(e1)] = pa1;
            tileB[Slot(e0)] = pb0;
            tileB[Slot(e1)] = pb1;
            Group.Barrier();

            int next = k0 + TileK;
            pa0 = Fetch(a, offA, e0, m0, next, m, kEnd);
            pa1 = Fetch(a, offA, e1, m0, next, m, kEnd);
            pb0 = Fetch(b, offB, e0, n0, next, n, kEnd);
            pb1 = Fetch(b, offB, e1, n0, next, n, kEnd);

            acc = acc.MultiplyTiles(tileA, tileB, tx, ty, TileStride);
            Group.Barrier();
        }

        long offP = (long)z * m * n;
        int col = n0 + tx;
        StoreRow(partial, acc.Row0, offP, m0 + ty, col, m, n);
        StoreRow(partial, acc.Row1, offP, m0 + ty + ThreadsY, col, m, n);
        StoreRow(partial, acc.Row2, offP, m0 + ty + 2 * ThreadsY, col, m, n);
        StoreRow(partial, acc.Row3, offP, m0 + ty + 3 * ThreadsY, col, m, n);
    }

    /// <summary>
    /// c[batch · strideC + e] = alpha · Σ_{s = 0..S−1} partial[(batch · S + s) · MN + e] (+ beta · c),
    /// the partials added in split order.
    /// </summary>
    public static void SplitKReduce(Index1D i, ArrayView<float> partial, ArrayView<float> c, int mn, int splits, long strideC, float alpha, float beta)
    {
        int batch = i / mn;
        int e = i - batch * mn;
        long at = (long)batch * splits * mn + e;
        float sum = 0f;
        for (int s = 0; s < splits; s++)
            sum += partial[at + (long)s * mn];
        GemmStore.Scaled(c, batch * strideC + e, sum, alpha, beta);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Slot(int e) => (e >> 6) * TileStride + (e & (TileM - 1));

    /// <summary>x[off + (k0 + e / 64) · ld + c0 + e % 64] for a K-major operand with leading dimension ld = cols; 0 outside.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Fetch(ArrayView<float> x, long off, int e, int c0, int k0, int cols, int kEnd)
    {
        int gc = c0 + (e & (TileM - 1));
        int gk = k0 + (e >> 6);
        if (gc >= cols || gk >= kEnd)
            return 0f;
        return x[off + (long)gk * cols + gc];
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreRow(ArrayView<float> partial, Quad acc, long offP, int row, int col, int m, int n)
    {
        if (row >= m)
            return;
        long rowOff = offP + (long)row * n;
        if (col < n)
            partial[rowOff + col] = acc.X;
        if (col + ThreadsX < n)
            partial[rowOff + col + ThreadsX] = acc.Y;
        if (col + 2 * ThreadsX < n)
            partial[rowOff + col + 2 * ThreadsX] = acc.Z;
        if (col + 3 * ThreadsX < n)
            partial[rowOff + col + 3 * ThreadsX] = acc.W;
    }
}
