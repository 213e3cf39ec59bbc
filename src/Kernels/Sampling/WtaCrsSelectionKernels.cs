using CrsIlgpu.Kernels.Numerics;
using CrsIlgpu.Kernels.Reduction;
using ILGPU.Algorithms;
using ILGPU.Runtime;

namespace CrsIlgpu.Kernels.Sampling;

/// <summary>
/// The WTA-CRS row selection in ONE group per problem and ONE launch (scores → p → bitonic sort →
/// prefix sums → choice of c → Philox draws), so no value travels to the host between the steps.
/// P independent problems (attention: one per (batch, head)) run as P groups; a single selection is
/// P = 1. Its arrays live in a global-memory workspace (N up to ~16k rows does not fit shared
/// memory); every result is independent of the group size, and the float operations follow
/// <see cref="WtaCrsSelectionReference"/> exactly (see there), every product through
/// <see cref="ExactFloat.Mul"/> so that no GPU compiler fuses it into an FMA.
/// </summary>
public static class WtaCrsSelectionKernels
{
    /// <summary>Stable name (profiles, Nsight, tests).</summary>
    public const string Name = "selection_wtacrs";

    /// <summary>Threads of the selection group on a GPU (the hardware maximum).</summary>
    public const int GpuSelectionGroup = 1024;

    /// <summary>On the CPU accelerator every thread of a group is simulated; fewer are faster and give the same result.</summary>
    public const int CpuSelectionGroup = 32;

    public static IReadOnlyList<KernelEntry> Catalog { get; } = KernelEntry.CatalogOf(typeof(WtaCrsSelectionKernels), "Sampling",
    [
        (Name, nameof(SelectionWtaCrs), KernelGrouping.Explicit,
            "WTA-CRS row selection (sort, prefix sums, choice of c, Philox draws); one group per problem (attention: per (batch, head))"),
    ]);

    /// <summary>Sort length: the smallest power of two ≥ n (≥ 1).</summary>
    public static int PaddedLength(int n)
    {
        var p = 1;
        while (p < n)
            p <<= 1;
        return p;
    }

    /// <summary>Floats of the selection's float workspace: sort keys [PaddedLength(n)] then prefix sums [n].</summary>
    public static long FloatWorkspace(int n) => (long)PaddedLength(n) + n;

    /// <summary>Ints of the selection's int workspace: the sorted row indices [PaddedLength(n)].</summary>
    public static long IntWorkspace(int n) => PaddedLength(n);

    /// <summary>
    /// Independent selections, one group per problem (Grid.IdxX = b; a single selection is P = 1):
    /// problem b reads scores [b·n, (b+1)·n) of <paramref name="first"/> (s = first, normPairs = 0, or
    /// s = first·second, the row norms of X and G), its own slices of the workspaces
    /// (<see cref="FloatWorkspace"/>(n) floats, <see cref="IntWorkspace"/>(n) ints), writes indices
    /// (local to the problem) and scales [b·k, (b+1)·k) and winners[b] = c, and draws from the
    /// Philox stream (seed, step, layer, b). <paramref name="topK"/> ≠ 0: the biased top-k baseline
    /// (<see cref="WtaCrsEstimator.TopK"/>): scores sorted unnormalised, c = k, no draws.
    /// </summary>
    internal static void SelectionWtaCrs(
        ArrayView<float> first, ArrayView<float> second, ArrayView<float> floatWork, ArrayView<int> order,
        ArrayView<int> indices, ArrayView<float> scales, ArrayView<int> winners,
        int n, int k, int normPairs, int topK, uint seed, uint layer, ulong step)
    {
        var b = Grid.IdxX;
        var myIndices = indices.SubView((long)b * k, k);
        var myScales = scales.SubView((long)b * k, k);
        var myWinners = winners.SubView(b, 1);
        if (k >= n)
        {
            KeepAll(myIndices, myScales, myWinners, n);
            return;
        }
        var floats = FloatWorkspace(n);
        var ints = IntWorkspace(n);
        var rows = (long)b * n;
        var myFirst = first.SubView(rows, n);
        var mySecond = normPairs != 0 ? second.SubView(rows, n) : myFirst;
        SelectProblem(myFirst, mySecond, floatWork.SubView(b * floats, floats), order.SubView(b * ints, ints),
            myIndices, myScales, myWinners, n, k, normPairs, topK, seed, layer, step, (uint)b);
    }

    /// <summary>ρ = 1 (or N ≤ k_min): every row, exactly, in row order.</summary>
    private static void KeepAll(ArrayView<int> indices, ArrayView<float> scales, ArrayView<int> winners, int n)
    {
        for (var i = Group.IdxX; i < n; i += Group.DimX)
        {
            indices[i] = i;
            scales[i] = 1f;
        }
        if (Group.IdxX == 0)
            winners[0] = n;
    }

    /// <summary>One selection with k &lt; n by the whole group; <paramref name="problem"/> is the Philox counter's fourth word.</summary>
    private static void SelectProblem(
        ArrayView<float> first, ArrayView<float> second, ArrayView<float> floatWork, ArrayView<int> order,
        ArrayView<int> indices, ArrayView<float> scales, ArrayView<int> winners,
        int n, int k, int normPairs, int topK, uint seed, uint layer, ulong step, uint problem)
    {
        var tid = Group.IdxX;
        var threads = Group.DimX;
        var padded = PaddedLength(n);
        var keys = floatWork.SubView(0, padded);
        var prefix = floatWork.SubView(padded, n);

        // 1. s_i into the keys; padding sorts last. Every product is ExactFloat.Mul (mul.rn): never contracted into an FFMA.
        for (var i = tid; i < padded; i += threads)
        {
            var s = -1f;
            if (i < n)
                s = normPairs != 0 ? ExactFloat.Mul(first[i], second[i]) : first[i];
            keys[i] = s;
            order[i] = i;
        }
        Group.Barrier();

        // 2. Σ s and p_i = s_i · (1/Σ).
        var total = ChunkedScan(keys, prefix, n, false);
        var inverse = topK != 0 ? 1f : total > 0f ? 1f / total : 0f;
        for (var i = tid; i < n; i += threads)
            keys[i] = ExactFloat.Mul(keys[i], inverse);
        Group.Barrier();

        // 3. Bitonic sort of (p, row) by p descending, row ascending: every stage compares disjoint pairs.
        var half = padded >> 1;
        for (var size = 2; size <= padded; size <<= 1)
        {
            for (var stride = size >> 1; stride > 0; stride >>= 1)
            {
                for (var q = tid; q < half; q += threads)
                {
                    var low = ((q & ~(stride - 1)) << 1) | (q & (stride - 1));
                    var high = low + stride;
                    var a = keys[low];
                    var b = keys[high];
                    var ra = order[low];
                    var rb = order[high];
                    var aFirst = a > b || (a == b && ra < rb);
                    var wantAFirst = (low & size) == 0;
                    if (aFirst != wantAFirst)
                    {
                        keys[low] = b;
                        keys[high] = a;
                        order[low] = rb;
                        order[high] = ra;
                    }
                }
                Group.Barrier();
            }
        }

        // 4. Prefix sums of the sorted p, and npos = the number of p > 0 (a prefix of the sorted order).
        ChunkedScan(keys, prefix, n, true);
        var positiveShared = SharedMemory.Allocate<int>(1);
        if (tid == 0)
            positiveShared[0] = 0;
        Group.Barrier();
        for (var i = tid; i < n; i += threads)
        {
            if (keys[i] > 0f && (i + 1 == n || !(keys[i + 1] > 0f)))
                positiveShared[0] = i + 1;
        }
        Group.Barrier();
        var positive = positiveShared[0];
        var qTotal = prefix[n - 1];

        // 5. c = argmin over c ∈ [0, k) of (Q_total − P_c)/(k − c), ties → largest c; Σ = 0 → c = 0.
        var bestValue = float.PositiveInfinity;
        var bestC = -1;
        for (var c = tid; c < k; c += threads)
        {
            var taken = c == 0 ? 0f : prefix[c - 1];
            var objective = (qTotal - taken) / (float)(k - c);
            if (objective < bestValue || (objective == bestValue && c > bestC))
            {
                bestValue = objective;
                bestC = c;
            }
        }
        var chosen = WtaCrsArgMin.Group(new WtaCrsArgMin(bestValue, bestC)).C;
        if (!(total > 0f))
            chosen = 0;
        if (topK != 0)
            chosen = k;

        // 6. Winners, then k − c draws by inverse CDF over the remaining rows' prefix sums.
        for (var i = tid; i < chosen; i += threads)
        {
            indices[i] = order[i];
            scales[i] = 1f;
        }
        var draws = k - chosen;
        var takenMass = chosen == 0 ? 0f : prefix[chosen - 1];
        var remaining = qTotal - takenMass;
        for (var t = tid; t < draws; t += threads)
        {
            if (remaining > 0f)
            {
                var target = ExactFloat.Mul(PhiloxRandom.Uniform(seed, step, layer, (uint)t, problem), remaining);
                var lo = DrawPosition(prefix, takenMass, target, chosen, positive - 1);
                indices[chosen + t] = order[lo];
                scales[chosen + t] = remaining / ExactFloat.Mul(draws, keys[lo]);
            }
            else
            {
                indices[chosen + t] = order[chosen + t];
                scales[chosen + t] = 0f;
            }
        }
        if (tid == 0)
            winners[0] = chosen;
    }

    /// <summary>
    /// Chunked sums in <see cref="WtaCrsSelectionReference"/>'s order: <see cref="WtaCrsSelectionReference.Chunks"/>
    /// chunks each summed sequentially (thread j takes chunks j, j + T, ...), chunk offsets sequentially
    /// by thread 0. Returns Σ values[0..n) to every thread; with <paramref name="writePrefix"/> also
    /// writes the inclusive prefix sums. Ends with a barrier.
    /// </summary>
    private static float ChunkedScan(ArrayView<float> values, ArrayView<float> prefix, int n, bool writePrefix)
    {
        const int chunks = WtaCrsSelectionReference.Chunks;
        var sums = SharedMemory.Allocate<float>(chunks + 1);
        var tid = Group.IdxX;
        var threads = Group.DimX;
        var length = (n + chunks - 1) / chunks;
        for (var chunk = tid; chunk < chunks; chunk += threads)
            sums[chunk] = ChunkSum(values, chunk, length, n);
        Group.Barrier();
        if (tid == 0)
        {
            // Exclusive offsets in place; the total lands in sums[chunks].
            var offset = 0f;
            for (var chunk = 0; chunk < chunks; chunk++)
            {
                var sum = sums[chunk];
                sums[chunk] = offset;
                offset += sum;
            }
            sums[chunks] = offset;
        }
        Group.Barrier();
        if (writePrefix)
        {
            for (var chunk = tid; chunk < chunks; chunk += threads)
                ChunkPrefix(values, prefix, chunk, length, n, sums[chunk]);
        }
        var total = sums[chunks];
        Group.Barrier();
        return total;
    }

    /// <summary>
    /// The row a draw lands on: the first sorted position j in [lo, hi] with Q_j − P_c &gt; target, or hi
    /// when there is none (<see cref="WtaCrsSelectionReference"/>.SearchDraw, the same comparisons).
    /// </summary>
    internal static int DrawPosition(ArrayView<float> prefix, float takenMass, float target, int lo, int hi)
    {
        while (lo < hi)
        {
            var mid = (lo + hi) >> 1;
            if (prefix[mid] - takenMass > target)
                hi = mid;
            else
                lo = mid + 1;
        }
        return lo;
    }

    /// <summary>Σ values over one chunk [chunk·length, min(n, (chunk+1)·length)), sequentially from 0 (the reference's order).</summary>
    internal static float ChunkSum(ArrayView<float> values, int chunk, int length, int n)
    {
        var sum = 0f;
        var end = IntrinsicMath.Min(n, (chunk + 1) * length);
        for (var i = chunk * length; i < end; i++)
            sum += values[i];
        return sum;
    }

    /// <summary>prefix[i] = offset + (the chunk's sequential sum up to i), for i in the chunk.</summary>
    internal static void ChunkPrefix(ArrayView<float> values, ArrayView<float> prefix, int chunk, int length, int n, float offset)
    {
        var sum = 0f;
        var end = IntrinsicMath.Min(n, (chunk + 1) * length);
        for (var i = chunk * length; i < end; i++)
        {
            sum += values[i];
            prefix[i] = offset + sum;
        }
    }

    /// <summary>The selection group size: <paramref name="requested"/> (checked) or the device's default.</summary>
    public static int SelectionGroup(Accelerator accelerator, int? requested)
    {
        var limit = Math.Min(GroupReduce.MaxGroupSize, accelerator.MaxNumThreadsPerGroup);
        if (requested is { } size)
        {
            if (size < 1 || size > limit)
                throw new ArgumentOutOfRangeException(nameof(requested), size, $"{Name}: group size must be in [1, {limit}]");
            return size;
        }
        return Math.Min(limit, accelerator.AcceleratorType == AcceleratorType.Cuda ? GpuSelectionGroup : CpuSelectionGroup);
    }

    /// <summary>
    /// The default group: on a GPU enough threads for half the padded sort (each compares one pair
    /// per stage), rounded to a warp, at most <see cref="GpuSelectionGroup"/>: attention's L = 197
    /// needs 128 threads, not 1024 idle ones per problem.
    /// </summary>
    public static int GroupFor(Accelerator accelerator, int n, int? requested)
    {
        if (requested is not null || accelerator.AcceleratorType != AcceleratorType.Cuda)
            return SelectionGroup(accelerator, requested);
        var warp = Math.Max(1, accelerator.WarpSize);
        var half = Math.Max(1, PaddedLength(n) / 2);
        var group = (half + warp - 1) / warp * warp;
        return Math.Min(group, SelectionGroup(accelerator, null));
    }

    /// <summary>
    /// One launch of <paramref name="problems"/> selections of n rows each, <paramref name="group"/>
    /// threads per problem. The workspaces hold problems × <see cref="FloatWorkspace"/>(n) floats and
    /// problems × <see cref="IntWorkspace"/>(n) ints (unused when k ≥ n); indices and scales problems × k, winners problems.
    /// </summary>
    public static void Launch(
        DeviceContext device, ArrayView<float> first, ArrayView<float> second, bool normPairs,
        ArrayView<float> floatWork, ArrayView<int> order, ArrayView<int> indices, ArrayView<float> scales, ArrayView<int> winners,
        int problems, int n, int k, uint seed, ulong step, uint layer, int group, WtaCrsEstimator estimator = WtaCrsEstimator.WtaCrs)
    {
        if (problems == 0 || n == 0)
            return;
        device.Kernel(Name, acc => acc.LoadStreamKernel<
                ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<int>, ArrayView<int>, ArrayView<float>, ArrayView<int>,
                int, int, int, int, uint, uint, ulong>(SelectionWtaCrs))
            (new KernelConfig(problems, group), first, second, floatWork, order, indices, scales, winners, n, k, normPairs ? 1 : 0,
                estimator == WtaCrsEstimator.TopK ? 1 : 0, seed, layer, step);
    }
}
