using CrsIlgpu.Kernels.Gemm;
using System.Reflection;
using System.Runtime.CompilerServices;
using ILGPU.Runtime;
using SampledGemmLauncher = System.Action<
    ILGPU.KernelConfig,
    ILGPU.ArrayView<float>, ILGPU.ArrayView<float>, ILGPU.ArrayView<float>,
    ILGPU.ArrayView<int>, ILGPU.ArrayView<float>,
    CrsIlgpu.Kernels.Sampling.SampledGemmProblem, int, int>;

namespace CrsIlgpu.Kernels.Sampling;

/// <summary>
/// The sampled weight-gradient GEMM of WTA-CRS: C = Σ_t scale_t · A[idx_t]ᵀ B[idx_t] (see
/// <see cref="SampledGemmProblem"/>). The structure is the TN kernel of
/// <see cref="Gemm.GemmKernels"/> (64×64 tile of C per group of 16×16 threads, K-step 8, 4×4
/// accumulators per thread strided by 16) with K running over the sampled rows: each tile load
/// reads the row index (and scale) of its sample and fetches that row of A and B directly, and
/// the scale is applied to A as it goes into shared memory. No gathered copy of A or B is made.
/// Grid: x = column tiles, y = row tiles, z = batch entry · splits + split. With split-K (a
/// long sample count over few tiles, the rule of <see cref="GemmKernels.ChooseSplitK"/>) each
/// group sums one slice of the samples into a raw partial tile [batch, split, M, N] and
/// <see cref="GemmSplitKKernels.SplitKReduce"/> adds the slices in split order and applies alpha:
/// no atomics, the same bytes on every run. Problems with enough 128×128 tiles run
/// <see cref="SampledGemmLargeKernels"/> instead (the dense GEMM's large tile).
/// </summary>
public static class SampledGemmKernels
{
    public const string GatherName = "sampled_gemm_tn_gather";
    public const string PreSampledName = "sampled_gemm_tn_presampled";

    public const int TileM = TileAccumulator.TileM;
    public const int TileN = TileAccumulator.TileN;
    public const int TileK = TileAccumulator.TileK;
    public const int GroupSize = ThreadsX * ThreadsY;

    private const int ThreadsX = TileAccumulator.ThreadsX;
    private const int ThreadsY = TileAccumulator.ThreadsY;

    /// <summary>
    /// Both operands are stored sample-major (one row per sample), so tile fills are M/N-contiguous:
    /// 32 threads of a warp write 32 consecutive floats of one k row — no pad needed for banks.
    /// </summary>
    private const int TileStride = TileM;

    /// <summary>Samples one thread loads per tile: rows kq and kq + 4 of the 8-sample step.</summary>
    private const int SampleRowsPerPass = GroupSize / TileM;

    public static IReadOnlyList<KernelEntry> Catalog { get; } =
    [
        new(GatherName, "Sampling", MethodFor(SampledGemmForm.Gather), KernelGrouping.Explicit,
            "sampled TN GEMM Σ scale_t·A[idx_t]ᵀB[idx_t] (WTA-CRS weight gradient): rows read by index, "
            + "scale applied in the tile load, batched over grid z"),
        new(PreSampledName, "Sampling", MethodFor(SampledGemmForm.PreSampled), KernelGrouping.Explicit,
            "sampled TN GEMM Σ A[idx_t]ᵀB_s[t] with B stored sampled and pre-scaled (Cached policy), batched over grid z"),
    ];

    /// <summary>Stable kernel name of a form, used in logs, errors and profiles.</summary>
    public static string NameFor(SampledGemmForm form) => form switch
    {
        SampledGemmForm.Gather => GatherName,
        SampledGemmForm.PreSampled => PreSampledName,
        _ => throw new ArgumentOutOfRangeException(nameof(form), form, "unknown sampled GEMM form"),
    };

    public static MethodInfo MethodFor(SampledGemmForm form)
    {
        string name = form switch
        {
            SampledGemmForm.Gather => nameof(SampledGemmTnGather),
            SampledGemmForm.PreSampled => nameof(SampledGemmTnPreSampled),
            _ => throw new ArgumentOutOfRangeException(nameof(form), form, "unknown sampled GEMM form"),
        };
        return typeof(SampledGemmKernels).GetMethod(name, BindingFlags.Public | BindingFlags.Static)
            ?? throw new InvalidOperationException($"kernel method {name} not found");
    }

    /// <summary>One group per 64×64 tile of C, batch entry and K split (z = batch · splits + split).</summary>
    public static KernelConfig ConfigFor(SampledGemmProblem p, int splits = 1) =>
        GemmGrid.Config(p.M, p.N, checked(p.Batch * splits), TileM, TileN, ThreadsX, ThreadsY);

    /// <summary>Floats of the split-K partial workspace: batch × splits × M × N.</summary>
    public static long WorkspaceLength(SampledGemmProblem p, int splits) => (long)p.Batch * splits * p.M * p.N;

    /// <summary>
    /// Validates the buffers and enqueues the kernel on the device's stream without a K split (C
    /// written directly); does not synchronize. Indices are not range-checked here (they may live
    /// on the device); the kernel skips any index outside [0, Rows). <paramref name="scales"/> is
    /// ignored by the pre-sampled form.
    /// </summary>
    public static void Launch(
        DeviceContext device, SampledGemmProblem p,
        ArrayView<float> a, ArrayView<float> b, ArrayView<int> indices, ArrayView<float> scales, ArrayView<float> c)
    {
        ArgumentNullException.ThrowIfNull(device);
        p.Validate(a.Length, b.Length, c.Length, indices.Length, scales.Length);
        Enqueue(device, p, a, b, indices, scales, c, 1);
    }

    /// <summary>
    /// Split-K: the partial kernel over <paramref name="splits"/> slices of the samples into
    /// <paramref name="workspace"/> (<see cref="WorkspaceLength"/> floats), then the fixed-order
    /// reduce into C (alpha applied there). Does not synchronize.
    /// </summary>
    public static void LaunchSplitK(
        DeviceContext device, SampledGemmProblem p,
        ArrayView<float> a, ArrayView<float> b, ArrayView<int> indices, ArrayView<float> scales, ArrayView<float> c,
        ArrayView<float> workspace, int splits)
    {
        LaunchPartial(device, p, a, b, indices, scales, c.Length, workspace, splits);
        GemmSplitKKernels.LaunchReduce(device, workspace, c, p.Batch, p.M, p.N, p.StrideC, splits, p.Alpha, 0f);
    }

    /// <summary>The partial kernel of <see cref="LaunchSplitK"/> alone (C is checked against <paramref name="lengthC"/>, not touched).</summary>
    public static void LaunchPartial(
        DeviceContext device, SampledGemmProblem p,
        ArrayView<float> a, ArrayView<float> b, ArrayView<int> indices, ArrayView<float> scales, long lengthC,
        ArrayView<float> workspace, int splits)
    {
        ArgumentNullException.ThrowIfNull(device);
        p.Validate(a.Length, b.Length, lengthC, indices.Length, scales.Length);
        if (splits < 2 || splits > Math.Max(1, p.K))
            throw new ArgumentException($"{p.OpName}: split-K needs 2..K={p.K} splits, got {splits}");
        if (workspace.Length < WorkspaceLength(p, splits))
            throw new ArgumentException($"{p.OpName}: workspace has {workspace.Length} floats, needs {WorkspaceLength(p, splits)}");
        Enqueue(device, p, a, b, indices, scales, workspace, splits);
    }

    private static void Enqueue(
        DeviceContext device, SampledGemmProblem p,
        ArrayView<float> a, ArrayView<float> b, ArrayView<int> indices, ArrayView<float> scales, ArrayView<float> output, int splits)
    {
        KernelConfig config = ConfigFor(p, splits);
        GridLimit.Check(config, p.OpName, p.M, p.Batch * splits);
        SampledGemmLauncher launcher = p.Form == SampledGemmForm.Gather
            ? device.Kernel(GatherName, acc => acc.LoadStreamKernel<
                ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<int>, ArrayView<float>, SampledGemmProblem, int, int>(SampledGemmTnGather))
            : device.Kernel(PreSampledName, acc => acc.LoadStreamKernel<
                ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<int>, ArrayView<float>, SampledGemmProblem, int, int>(SampledGemmTnPreSampled));
        launcher(config, a, b, output, indices, scales, p, splits, SplitLength(p.K, splits));
    }

    /// <summary>Samples per group for a split count: ⌈K / splits⌉ rounded up to whole K-steps of 8 (K itself without a split).</summary>
    public static int SplitLength(int k, int splits) =>
        splits <= 1 ? k : ((k + splits - 1) / splits + TileK - 1) / TileK * TileK;

    /// <summary>
    /// Form (a)/(c): A and B full, both read at idx_t, A scaled by scale_t. <paramref name="c"/> is C
    /// when <paramref name="splits"/> is 1, else the partial workspace; each group sums samples
    /// [split · kPerSplit, (split + 1) · kPerSplit).
    /// </summary>
    public static void SampledGemmTnGather(
        ArrayView<float> a, ArrayView<float> b, ArrayView<float> c, ArrayView<int> indices, ArrayView<float> scales, SampledGemmProblem p,
        int splits, int kPerSplit) =>
        Tile(a, b, c, indices, scales, p, splits, kPerSplit, gathered: true);

    /// <summary>Form (b): A read at idx_t unscaled, B stored sampled and pre-scaled, read at row t; C and splits as the gather form.</summary>
    public static void SampledGemmTnPreSampled(
        ArrayView<float> a, ArrayView<float> b, ArrayView<float> c, ArrayView<int> indices, ArrayView<float> scales, SampledGemmProblem p,
        int splits, int kPerSplit) =>
        Tile(a, b, c, indices, scales, p, splits, kPerSplit, gathered: false);

    /// <summary>
    /// The tile loop; <paramref name="gathered"/> is a literal at both call sites, so ILGPU folds
    /// the form branches and each entry point is a specialised kernel.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Tile(
        ArrayView<float> a, ArrayView<float> b, ArrayView<float> c, ArrayView<int> indices, ArrayView<float> scales,
        SampledGemmProblem p, int splits, int kPerSplit, bool gathered)
    {
        int m = p.M;
        int n = p.N;
        int rows = p.Rows;
        int tx = Group.IdxX;
        int ty = Group.IdxY;
        int tid = ty * ThreadsX + tx;
        int m0 = Grid.IdxY * TileM;
        int n0 = Grid.IdxX * TileN;
        int z = Grid.IdxZ;
        int batchIndex = z / splits;
        int split = z - batchIndex * splits;
        long batch = batchIndex;
        long offA = batch * p.StrideA;
        long offB = batch * p.StrideB;
        long offS = batch * p.StrideSamples;
        // This group's samples: [kBegin, k). Without a split, all of them.
        int kBegin = split * kPerSplit;
        int k = Math.Min(p.K, kBegin + kPerSplit);
        // Without a split C itself (alpha applied); with one, the raw partial tile z of the workspace.
        long offC = splits == 1 ? batch * p.StrideC : (long)z * m * n;
        float alpha = splits == 1 ? p.Alpha : 1f;

        // Sample-major tiles: tileA[kk * TileStride + row of C], tileB[kk * TileStride + column of C].
        var tileA = SharedMemory.Allocate<float>(TileK * TileStride);
        var tileB = SharedMemory.Allocate<float>(TileK * TileStride);

        var acc = default(TileAccumulator);

        // Each thread loads one column (lane) of two sample rows (kq, kq + 4) of both tiles, so
        // one index (and scale) fetch per sample row serves the A and the B element.
        int lane = tid & (TileM - 1);
        int kq = tid >> 6;
        int gm = m0 + lane;
        int gn = n0 + lane;
        bool inM = gm < m;
        bool inN = gn < n;
        int slot0 = kq * TileStride + lane;
        int slot1 = (kq + SampleRowsPerPass) * TileStride + lane;

        // Register prefetch: the loads of step s+1 are issued before computing step s.
        int t0 = kBegin + kq;
        int t1 = t0 + SampleRowsPerPass;
        int r0 = SampleRow(indices, offS, t0, k, rows);
        int r1 = SampleRow(indices, offS, t1, k, rows);
        float pa0 = FetchA(a, scales, offA, offS, r0, t0, gm, m, inM, gathered);
        float pa1 = FetchA(a, scales, offA, offS, r1, t1, gm, m, inM, gathered);
        float pb0 = FetchB(b, offB, r0, t0, k, gn, n, inN, gathered);
        float pb1 = FetchB(b, offB, r1, t1, k, gn, n, inN, gathered);

        for (int k0 = kBegin; k0 < k; k0 += TileK)
        {
            tileA[slot0] = pa0;
            tileA[slot1] = pa1;
            tileB[slot0] = pb0;
            tileB[slot1] = pb1;
            Group.Barrier();

            // Past the last sample these return 0 without touching memory.
            t0 = k0 + TileK + kq;
            t1 = t0 + SampleRowsPerPass;
            r0 = SampleRow(indices, offS, t0, k, rows);
            r1 = SampleRow(indices, offS, t1, k, rows);
            pa0 = FetchA(a, scales, offA, offS, r0, t0, gm, m, inM, gathered);
            pa1 = FetchA(a, scales, offA, offS, r1, t1, gm, m, inM, gathered);
            pb0 = FetchB(b, offB, r0, t0, k, gn, n, inN, gathered);
            pb1 = FetchB(b, offB, r1, t1, k, gn, n, inN, gathered);

            acc = acc.MultiplyTiles(tileA, tileB, tx, ty, TileStride);

            // Nobody may overwrite the tiles until every thread has finished reading them.
            Group.Barrier();
        }

        int col = n0 + tx;
        StoreRow(c, acc.Row0, m0 + ty, col, m, n, offC, alpha);
        StoreRow(c, acc.Row1, m0 + ty + ThreadsY, col, m, n, offC, alpha);
        StoreRow(c, acc.Row2, m0 + ty + 2 * ThreadsY, col, m, n, offC, alpha);
        StoreRow(c, acc.Row3, m0 + ty + 3 * ThreadsY, col, m, n, offC, alpha);
    }

    /// <summary>
    /// The source row of sample t, or -1 at or past <paramref name="k"/> (the end of this group's
    /// samples) or for an index outside [0, rows). Shared with the 128×128 sampled kernel.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static int SampleRow(ArrayView<int> indices, long offS, int t, int k, int rows)
    {
        if (t >= k)
            return -1;
        int r = indices[offS + t];
        // One unsigned compare rejects negatives and r >= rows.
        return (uint)r < (uint)rows ? r : -1;
    }

    /// <summary>A[row, gm], times scale_t in the gather form; 0 for a skipped sample or a column past M.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float FetchA(
        ArrayView<float> a, ArrayView<float> scales, long offA, long offS, int row, int t, int gm, int m, bool inM, bool gathered)
    {
        if (row < 0 || !inM)
            return 0f;
        float v = a[offA + (long)row * m + gm];
        return gathered ? v * scales[offS + t] : v;
    }

    /// <summary>B[row, gn] in the gather form, B_s[t, gn] pre-sampled; 0 outside.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float FetchB(ArrayView<float> b, long offB, int row, int t, int k, int gn, int n, bool inN, bool gathered)
    {
        if (!inN)
            return 0f;
        if (gathered)
            return row < 0 ? 0f : b[offB + (long)row * n + gn];
        // A skipped sample has A = 0 already; B_s still has its row t.
        return t < k ? b[offB + (long)t * n + gn] : 0f;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreRow(ArrayView<float> c, Quad acc, int row, int col, int m, int n, long offC, float alpha)
    {
        if (row >= m)
            return;
        long rowOff = offC + (long)row * n;
        if (col < n)
            c[rowOff + col] = alpha * acc.X;
        if (col + ThreadsX < n)
            c[rowOff + col + ThreadsX] = alpha * acc.Y;
        if (col + 2 * ThreadsX < n)
            c[rowOff + col + 2 * ThreadsX] = alpha * acc.Z;
        if (col + 3 * ThreadsX < n)
            c[rowOff + col + 3 * ThreadsX] = alpha * acc.W;
    }
}
