using CrsIlgpu.Kernels.Numerics;
using ILGPU.Algorithms;
using ILGPU.Runtime;

namespace CrsIlgpu.Kernels.Sampling;

/// <summary>
/// The WTA-CRS selection of ONE problem of many rows (a linear layer's N token rows) spread over the
/// device: every phase runs in many groups, and the float operations are those of
/// <see cref="WtaCrsSelectionReference"/> in the same order (every product through <see cref="ExactFloat.Mul"/>,
/// never contracted), so the rows are identical to the reference's and to the one-group kernel's
/// (<see cref="WtaCrsSelectionKernels"/>):
/// <list type="number">
/// <item>scores: s_i per row (N threads);</item>
/// <item>Σ s in the fixed chunk order: the 1,024 chunk sums (a thread per chunk, each sequential), then
///   one group whose thread 0 adds them sequentially (1,024 dependent adds: the one serial piece);</item>
/// <item>sort of (p, row) by p descending, row ascending, p = s·(1/Σ) made on the way in: tiles of
///   <see cref="Tile"/> rows sorted in shared memory (bitonic, a group per tile), then merge passes
///   that double the sorted run length; a merge places each element at (its rank in its own run) +
///   (the number of the partner run's elements before it, by binary search) — a thread per element.
///   The order is total (rows are distinct), so this sort agrees with every other correct sort;</item>
/// <item>prefix sums of the sorted p in the same chunk order (chunk sums, sequential offsets, then a
///   thread per chunk writes its prefix sums), and in the same pass each chunk's thread evaluates the
///   objective of every c ∈ [0, k) its prefix sums give; a group argmin per group → partials;</item>
/// <item>draws: a thread per selected slot t &lt; k; every group reduces the partials to c itself
///   (exact comparisons: the same c everywhere), winners t &lt; c, else draw t − c by binary search in
///   the prefix sums with Philox (seed, step, layer, draw t − c, problem 0).</item>
/// </list>
/// Launches: 8 + ⌈log₂(N / Tile)⌉ (<see cref="WtaCrsSelectionPlan"/> lists them). Workspace:
/// <see cref="FloatWorkspace"/>(N) floats, <see cref="IntWorkspace"/>(N) ints.
/// </summary>
public static class WtaCrsDeviceSelectionKernels
{
    public const string ScoresName = "selection_wtacrs_scores";
    public const string ChunkSumsName = "selection_wtacrs_chunk_sums";
    public const string ChunkOffsetsName = "selection_wtacrs_chunk_offsets";
    public const string SortTilesName = "selection_wtacrs_sort_tiles";
    public const string MergeName = "selection_wtacrs_merge";
    public const string PrefixArgMinName = "selection_wtacrs_prefix_argmin";
    public const string DrawName = "selection_wtacrs_draw";

    /// <summary>Rows a group sorts in shared memory: 2,048 keys and rows, 16 KiB.</summary>
    public const int Tile = 2048;

    private const int Chunks = WtaCrsSelectionReference.Chunks;

    public static IReadOnlyList<KernelEntry> Catalog { get; } = KernelEntry.CatalogOf(typeof(WtaCrsDeviceSelectionKernels), "Sampling",
    [
        (ScoresName, nameof(SelectionDeviceScores), KernelGrouping.Explicit,
            "device-wide WTA-CRS: s_i = ‖X_i‖·‖G_i‖ (or s_i); a thread per row"),
        (ChunkSumsName, nameof(SelectionDeviceChunkSums), KernelGrouping.Explicit,
            "device-wide WTA-CRS: the 1,024 fixed chunk sums, each sequential; a thread per chunk"),
        (ChunkOffsetsName, nameof(SelectionDeviceChunkOffsets), KernelGrouping.Explicit,
            "device-wide WTA-CRS: exclusive chunk offsets and the total, sequential in chunk order; one group"),
        (SortTilesName, nameof(SelectionDeviceSortTiles), KernelGrouping.Explicit,
            "device-wide WTA-CRS: p = s/Σ, bitonic sort of (p desc, row asc) per 2,048-row tile in shared memory; a group per tile"),
        (MergeName, nameof(SelectionDeviceMerge), KernelGrouping.Explicit,
            "device-wide WTA-CRS: one merge pass of sorted runs (rank by binary search); a thread per row"),
        (PrefixArgMinName, nameof(SelectionDevicePrefixArgMin), KernelGrouping.Explicit,
            "device-wide WTA-CRS: chunked prefix sums of sorted p and per-group argmin of (Q − P_c)/(k − c); a thread per chunk"),
        (DrawName, nameof(SelectionDeviceDraw), KernelGrouping.Explicit,
            "device-wide WTA-CRS: c from the partials, winners and Philox draws by binary search; a thread per selected row"),
    ]);

    /// <summary>
    /// Floats: two key buffers [N] (sort ping-pong; the spare one takes the prefix sums), two
    /// chunk-sum arrays [Chunks + 1], argmin partial values [Chunks].
    /// </summary>
    public static long FloatWorkspace(int n) => 2L * n + 3L * Chunks + 2;

    /// <summary>Ints: two row-order buffers [N] (sort ping-pong) and argmin partial c's [Chunks].</summary>
    public static long IntWorkspace(int n) => 2L * n + Chunks;

    // Every kernel is explicitly grouped (KernelConfig at launch), so the plan's group sizes are what
    // runs: an implicitly grouped kernel would keep the group size it was first loaded with.

    internal static void SelectionDeviceScores(ArrayView<float> first, ArrayView<float> second, ArrayView<float> keys, int n, int normPairs)
    {
        var i = Grid.GlobalIndex.X;
        if (i < n)
            keys[i] = normPairs != 0 ? ExactFloat.Mul(first[i], second[i]) : first[i];
    }

    internal static void SelectionDeviceChunkSums(ArrayView<float> values, ArrayView<float> sums, int n)
    {
        var chunk = Grid.GlobalIndex.X;
        if (chunk < Chunks)
            sums[chunk] = WtaCrsSelectionKernels.ChunkSum(values, chunk, WtaCrsSelectionReference.ChunkLength(n), n);
    }

    /// <summary>sums [Chunks + 1]: chunk sums in, exclusive offsets out (in place), the total in sums[Chunks]. One group.</summary>
    internal static void SelectionDeviceChunkOffsets(ArrayView<float> sums)
    {
        var local = SharedMemory.Allocate<float>(Chunks);
        for (var c = Group.IdxX; c < Chunks; c += Group.DimX)
            local[c] = sums[c];
        Group.Barrier();
        if (Group.IdxX == 0)
        {
            // The reference's sequential order; four loads ahead of the dependent adds.
            var offset = 0f;
            for (var c = 0; c < Chunks; c += 4)
            {
                var s0 = local[c];
                var s1 = local[c + 1];
                var s2 = local[c + 2];
                var s3 = local[c + 3];
                sums[c] = offset;
                offset += s0;
                sums[c + 1] = offset;
                offset += s1;
                sums[c + 2] = offset;
                offset += s2;
                sums[c + 3] = offset;
                offset += s3;
            }
            sums[Chunks] = offset;
        }
    }

    /// <summary>
    /// Group g sorts rows [g·Tile, (g+1)·Tile) ∩ [0, n) in place: keys s in, p = s·(1/Σ) sorted out
    /// with their rows in <paramref name="order"/>; Σ = scoreSums[Chunks]. Padding (p = −1) sorts last and is not written.
    /// <paramref name="topK"/> ≠ 0 (the biased baseline): the scores s are sorted as they are.
    /// </summary>
    internal static void SelectionDeviceSortTiles(ArrayView<float> keys, ArrayView<int> order, ArrayView<float> scoreSums, int n, int topK)
    {
        var tileKeys = SharedMemory.Allocate<float>(Tile);
        var tileRows = SharedMemory.Allocate<int>(Tile);
        var tid = Group.IdxX;
        var threads = Group.DimX;
        var start = Grid.IdxX * Tile;
        var total = scoreSums[Chunks];
        var inverse = topK != 0 ? 1f : total > 0f ? 1f / total : 0f;
        for (var j = tid; j < Tile; j += threads)
        {
            var row = start + j;
            var p = -1f;
            if (row < n)
                p = ExactFloat.Mul(keys[row], inverse);
            tileKeys[j] = p;
            tileRows[j] = row;
        }
        Group.Barrier();
        for (var size = 2; size <= Tile; size <<= 1)
        {
            for (var stride = size >> 1; stride > 0; stride >>= 1)
            {
                for (var q = tid; q < Tile / 2; q += threads)
                {
                    var low = ((q & ~(stride - 1)) << 1) | (q & (stride - 1));
                    var high = low + stride;
                    var a = tileKeys[low];
                    var b = tileKeys[high];
                    var ra = tileRows[low];
                    var rb = tileRows[high];
                    var aFirst = a > b || (a == b && ra < rb);
                    if (aFirst != ((low & size) == 0))
                    {
                        tileKeys[low] = b;
                        tileKeys[high] = a;
                        tileRows[low] = rb;
                        tileRows[high] = ra;
                    }
                }
                Group.Barrier();
            }
        }
        for (var j = tid; j < Tile && start + j < n; j += threads)
        {
            keys[start + j] = tileKeys[j];
            order[start + j] = tileRows[j];
        }
    }

    /// <summary>
    /// One merge pass: runs of <paramref name="width"/> sorted rows in (keys, order) → runs of 2·width
    /// in (keysOut, orderOut). Element i goes to (its run's start) + (its rank in its run) + (the
    /// partner run's elements before it), found by binary search; rows are distinct, so no two collide.
    /// </summary>
    internal static void SelectionDeviceMerge(ArrayView<float> keys, ArrayView<int> order, ArrayView<float> keysOut, ArrayView<int> orderOut, int n, int width)
    {
        var i = Grid.GlobalIndex.X;
        if (i >= n)
            return;
        var start = i / (2 * width) * (2 * width);
        var mid = IntrinsicMath.Min(start + width, n);
        var end = IntrinsicMath.Min(start + 2 * width, n);
        var key = keys[i];
        var row = order[i];
        // An element of the left run searches the right one, and the other way round.
        var left = i < mid;
        var lo = left ? mid : start;
        var hi = left ? end : mid;
        var rank = left ? i - start : i - mid;
        // First partner position whose element does not come before (key, row).
        var first = lo;
        while (lo < hi)
        {
            var m = (lo + hi) >> 1;
            var other = keys[m];
            if (other > key || (other == key && order[m] < row))
                lo = m + 1;
            else
                hi = m;
        }
        var target = start + rank + (lo - first);
        keysOut[target] = key;
        orderOut[target] = row;
    }

    /// <summary>
    /// A thread per chunk: prefix[i] = offset_chunk + the chunk's sequential sum of sorted p up to i
    /// (sortedSums: offsets from <see cref="SelectionDeviceChunkOffsets"/>, Q_total in [Chunks]), and the
    /// objective (Q_total − Q_{c−1})/(k − c) of each c = i + 1 &lt; k (chunk 0 also c = 0). Group g's best
    /// (smallest, ties → larger c) goes to partialValues[g], partialCs[g].
    /// </summary>
    internal static void SelectionDevicePrefixArgMin(
        ArrayView<float> keys, ArrayView<float> prefix, ArrayView<float> sortedSums,
        ArrayView<float> partialValues, ArrayView<int> partialCs, int n, int k)
    {
        var chunk = Grid.GlobalIndex.X;
        var best = WtaCrsArgMin.None;
        if (chunk < Chunks)
        {
            var qTotal = sortedSums[Chunks];
            if (chunk == 0)
                best = new WtaCrsArgMin((qTotal - 0f) / (float)k, 0);
            var length = WtaCrsSelectionReference.ChunkLength(n);
            var offset = sortedSums[chunk];
            var sum = 0f;
            var end = IntrinsicMath.Min(n, (chunk + 1) * length);
            for (var i = chunk * length; i < end; i++)
            {
                sum += keys[i];
                var q = offset + sum;
                prefix[i] = q;
                var c = i + 1;
                if (c < k)
                {
                    var candidate = new WtaCrsArgMin((qTotal - q) / (float)(k - c), c);
                    if (candidate.IsBetterThan(best))
                        best = candidate;
                }
            }
        }
        var groupBest = WtaCrsArgMin.Group(best);
        if (Group.IdxX == 0)
        {
            partialValues[Grid.IdxX] = groupBest.Value;
            partialCs[Grid.IdxX] = groupBest.C;
        }
    }

    /// <summary>
    /// A thread per selected slot t &lt; k. k ≥ n: every row, scale 1. Else each group reduces the
    /// <paramref name="partials"/> argmin partials to c (c = 0 when Σ s = 0), finds npos (the p &gt; 0
    /// prefix of the sorted order) by binary search, then slot t &lt; c is winner t (scale 1) and slot
    /// t ≥ c is draw t − c, exactly as the one-group kernel draws. <paramref name="topK"/> ≠ 0: c = k, every slot a winner.
    /// </summary>
    internal static void SelectionDeviceDraw(
        ArrayView<float> keys, ArrayView<int> order, ArrayView<float> prefix, ArrayView<float> scoreSums,
        ArrayView<float> partialValues, ArrayView<int> partialCs, int partials,
        ArrayView<int> indices, ArrayView<float> scales, ArrayView<int> winners,
        int n, int k, int topK, WtaCrsDrawStream stream)
    {
        var t = Grid.GlobalIndex.X;
        if (k >= n)
        {
            // Uniform over the grid: no group reaches a barrier below.
            if (t < n)
            {
                indices[t] = t;
                scales[t] = 1f;
            }
            if (t == 0)
                winners[0] = n;
            return;
        }

        var best = WtaCrsArgMin.None;
        for (var g = Group.IdxX; g < partials; g += Group.DimX)
        {
            var candidate = new WtaCrsArgMin(partialValues[g], partialCs[g]);
            if (candidate.IsBetterThan(best))
                best = candidate;
        }
        var chosen = WtaCrsArgMin.Group(best).C;
        if (!(scoreSums[Chunks] > 0f))
            chosen = 0;
        if (topK != 0)
            chosen = k;
        var positiveShared = SharedMemory.Allocate<int>(1);
        if (Group.IdxX == 0)
        {
            // Sorted descending: the p > 0 rows are a prefix; find its length.
            var lo = 0;
            var hi = n;
            while (lo < hi)
            {
                var mid = (lo + hi) >> 1;
                if (keys[mid] > 0f)
                    lo = mid + 1;
                else
                    hi = mid;
            }
            positiveShared[0] = lo;
        }
        Group.Barrier();
        var positive = positiveShared[0];
        if (t < k)
        {
            if (t < chosen)
            {
                indices[t] = order[t];
                scales[t] = 1f;
            }
            else
            {
                var qTotal = prefix[n - 1];
                var draws = k - chosen;
                var takenMass = chosen == 0 ? 0f : prefix[chosen - 1];
                var remaining = qTotal - takenMass;
                if (remaining > 0f)
                {
                    var target = ExactFloat.Mul(stream.Uniform((uint)(t - chosen), 0), remaining);
                    var lo = WtaCrsSelectionKernels.DrawPosition(prefix, takenMass, target, chosen, positive - 1);
                    indices[t] = order[lo];
                    scales[t] = remaining / ExactFloat.Mul(draws, keys[lo]);
                }
                else
                {
                    indices[t] = order[t];
                    scales[t] = 0f;
                }
            }
        }
        if (t == 0)
            winners[0] = chosen;
    }

    /// <summary>
    /// Runs the plan's launches for one selection (<paramref name="plan"/>.Path must be DeviceWide).
    /// <paramref name="floatWork"/> ≥ <see cref="FloatWorkspace"/>(n), <paramref name="intWork"/> ≥
    /// <see cref="IntWorkspace"/>(n) (unused when k ≥ n); every launch reports to the profiler under its catalog name.
    /// </summary>
    public static void Launch(
        DeviceContext device, WtaCrsSelectionPlan plan, ArrayView<float> first, ArrayView<float> second, bool normPairs,
        ArrayView<float> floatWork, ArrayView<int> intWork, ArrayView<int> indices, ArrayView<float> scales, ArrayView<int> winners,
        uint seed, ulong step, uint layer, WtaCrsEstimator estimator = WtaCrsEstimator.WtaCrs)
    {
        int n = plan.Rows, k = plan.Budget;
        var topK = estimator == WtaCrsEstimator.TopK ? 1 : 0;
        if (n == 0)
            return;
        var profiler = device.Profiler;
        var draw = device.Kernel(DrawName, acc => acc.LoadStreamKernel<
            ArrayView<float>, ArrayView<int>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<int>, int,
            ArrayView<int>, ArrayView<float>, ArrayView<int>, int, int, int, WtaCrsDrawStream>(SelectionDeviceDraw));
        var stream = new WtaCrsDrawStream(seed, step, layer);
        var drawConfig = new KernelConfig(WtaCrsSelectionPlan.Groups(k, plan.DrawGroup), plan.DrawGroup);
        if (k >= n)
        {
            // Keep every row: the draw kernel alone, which reads no workspace then.
            using (profiler.Launch(DrawName, 0, 8.0 * n))
                draw(drawConfig, floatWork, intWork, floatWork, floatWork, floatWork, intWork, 0, indices, scales, winners, n, k, topK, stream);
            return;
        }
        var keysA = floatWork.SubView(0, n);
        var keysB = floatWork.SubView(n, n);
        var scoreSums = floatWork.SubView(2L * n, Chunks + 1);
        var sortedSums = floatWork.SubView(2L * n + Chunks + 1, Chunks + 1);
        var partialValues = floatWork.SubView(2L * n + 2 * (Chunks + 1), Chunks);
        var orderA = intWork.SubView(0, n);
        var orderB = intWork.SubView(n, n);
        var partialCs = intWork.SubView(2L * n, Chunks);

        var scores = device.Kernel(ScoresName, acc =>
            acc.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int>(SelectionDeviceScores));
        var chunkSums = device.Kernel(ChunkSumsName, acc => acc.LoadStreamKernel<ArrayView<float>, ArrayView<float>, int>(SelectionDeviceChunkSums));
        var offsets = device.Kernel(ChunkOffsetsName, acc => acc.LoadStreamKernel<ArrayView<float>>(SelectionDeviceChunkOffsets));
        var sortTiles = device.Kernel(SortTilesName, acc =>
            acc.LoadStreamKernel<ArrayView<float>, ArrayView<int>, ArrayView<float>, int, int>(SelectionDeviceSortTiles));
        var merge = device.Kernel(MergeName, acc =>
            acc.LoadStreamKernel<ArrayView<float>, ArrayView<int>, ArrayView<float>, ArrayView<int>, int, int>(SelectionDeviceMerge));
        var prefixArgMin = device.Kernel(PrefixArgMinName, acc =>
            acc.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<int>, int, int>(
                SelectionDevicePrefixArgMin));

        using (profiler.Launch(ScoresName, n, 12.0 * n))
            scores(Config(n, plan.ElementGroup), first, second, keysA, n, normPairs ? 1 : 0);
        using (profiler.Launch(ChunkSumsName, n, 4.0 * n + 4.0 * Chunks))
            chunkSums(Config(Chunks, plan.ChunkGroup), keysA, scoreSums, n);
        using (profiler.Launch(ChunkOffsetsName, Chunks, 8.0 * Chunks))
            offsets(new KernelConfig(1, plan.OffsetsGroup), scoreSums);
        var tileLog = 0;
        while ((1 << tileLog) < Tile)
            tileLog++;
        using (profiler.Launch(SortTilesName, 0.5 * Tile * tileLog * (tileLog + 1) / 2 * WtaCrsSelectionPlan.Groups(n, Tile), 16.0 * n))
            sortTiles(new KernelConfig(WtaCrsSelectionPlan.Groups(n, Tile), plan.TileGroup), keysA, orderA, scoreSums, n, topK);
        var (keys, order, spareKeys, spareOrder) = (keysA, orderA, keysB, orderB);
        for (var width = Tile; width < n; width *= 2)
        {
            using (profiler.Launch(MergeName, n * Math.Log2(width), 16.0 * n))
                merge(Config(n, plan.ElementGroup), keys, order, spareKeys, spareOrder, n, width);
            (keys, order, spareKeys, spareOrder) = (spareKeys, spareOrder, keys, order);
        }
        var prefix = spareKeys;
        using (profiler.Launch(ChunkSumsName, n, 4.0 * n + 4.0 * Chunks))
            chunkSums(Config(Chunks, plan.ChunkGroup), keys, sortedSums, n);
        using (profiler.Launch(ChunkOffsetsName, Chunks, 8.0 * Chunks))
            offsets(new KernelConfig(1, plan.OffsetsGroup), sortedSums);
        var argMinGroups = WtaCrsSelectionPlan.Groups(Chunks, plan.ChunkGroup);
        using (profiler.Launch(PrefixArgMinName, 2.0 * n, 8.0 * n))
            prefixArgMin(new KernelConfig(argMinGroups, plan.ChunkGroup), keys, prefix, sortedSums, partialValues, partialCs, n, k);
        using (profiler.Launch(DrawName, k, 16.0 * k))
            draw(drawConfig, keys, order, prefix, scoreSums, partialValues, partialCs, argMinGroups, indices, scales, winners, n, k, topK, stream);
    }

    private static KernelConfig Config(int threads, int group) => new(WtaCrsSelectionPlan.Groups(threads, group), group);
}
