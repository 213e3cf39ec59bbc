namespace CrsIlgpu.Kernels.Sampling;

/// <summary>
/// WTA-CRS row selection (docs/wtacrs.md) in plain C#, written to perform the SAME float operations in
/// the SAME order as <see cref="WtaCrsSelectionKernels"/>' device kernel, so both pick identical rows for the
/// same (seed, step, layer):
/// <list type="number">
/// <item>s_i = scores[i] (or xNorm_i · gNorm_i, one float multiply);</item>
/// <item>Σ s: the rows are cut into <see cref="Chunks"/> chunks of ⌈N/Chunks⌉ consecutive rows, each
///   chunk summed sequentially from 0, then the chunk sums added sequentially in chunk order;</item>
/// <item>p_i = s_i · (1/Σ) (p = 0 everywhere when Σ = 0);</item>
/// <item>sort by (p descending, row index ascending) — a total order, so any correct sort agrees;</item>
/// <item>prefix sums Q over the sorted p in the same chunked order: Q_i = O_j + (sequential sum of the
///   chunk's p up to i), O_j the sequential sum of the earlier chunk sums. Q is non-decreasing;</item>
/// <item>c ∈ {0..k−1} minimising (Q_total − P_c)/(k − c), P_c = Q_{c−1} (P_0 = 0), ties → largest c.
///   Q_total plays the "1" of the paper: it is the p's actual float sum, so the remaining mass
///   R = Q_total − P_c is exactly 0 when only zero-probability rows remain;</item>
/// <item>draw t: u_t = Philox(key (seed, layer), counter (step, t, problem)); the row is the first sorted position
///   j ≥ c with Q_j − P_c &gt; u_t · R (binary search over [c, npos), npos = number of p &gt; 0, clamped to
///   npos − 1); scale R / ((k − c) · p_j). Rows with p = 0 are never drawn; R = 0 gives scale 0.</item>
/// </list>
/// The kernels write every product as <see cref="Numerics.ExactFloat.Mul"/> (mul.rn.f32), which no GPU
/// compiler contracts into an FMA (ptxas fuses a plain mul.f32 with the add that consumes it, across
/// statements too); the reciprocal and divisions are rcp.rn / div.rn. So a GPU rounds each step as
/// this C# does (ExactKernelPtxTests reads the PTX).
/// Special cases: k ≥ N → every row a winner with scale 1, in row order (ρ = 1 is exact); Σ s = 0 →
/// c = 0 and all scales 0.
/// <see cref="WtaCrsEstimator.TopK"/> (the biased baseline) sorts the scores s themselves (not p, so
/// no two scores tie by rounding), keeps the k first rows of that order with scale 1 and draws nothing
/// (c = k; with Σ s = 0 those are rows 0 … k − 1).
/// </summary>
public static class WtaCrsSelectionReference
{
    /// <summary>Fixed chunk count of the sums, independent of the kernel's group size (so is the result).</summary>
    public const int Chunks = 1024;

    /// <summary>Rows the selection handles at most: counts stay exact in float and the padded sort fits an int.</summary>
    public const int MaxRows = 1 << 24;

    public static WtaCrsSelectionResult Select(
        ReadOnlySpan<float> scores, int k, uint seed, ulong step, uint layer, WtaCrsEstimator estimator = WtaCrsEstimator.WtaCrs)
    {
        var indices = new int[k];
        var scales = new float[k];
        var winners = SelectInto(scores, default, false, indices, scales, seed, step, layer, estimator: estimator);
        return new WtaCrsSelectionResult(indices, scales, winners);
    }

    /// <summary>Scores s_i = xNorms_i · gNorms_i (p_i ∝ ‖X_i‖·‖G_i‖).</summary>
    public static WtaCrsSelectionResult SelectFromNorms(ReadOnlySpan<float> xNorms, ReadOnlySpan<float> gNorms, int k, uint seed, ulong step, uint layer,
        WtaCrsEstimator estimator = WtaCrsEstimator.WtaCrs)
    {
        var indices = new int[k];
        var scales = new float[k];
        var winners = SelectInto(xNorms, gNorms, true, indices, scales, seed, step, layer, estimator: estimator);
        return new WtaCrsSelectionResult(indices, scales, winners);
    }

    /// <summary>
    /// Independent selections in <paramref name="problems"/> row sets of L = first.Length / problems
    /// rows each (e.g. the query rows of every (batch, head) of attention), budget k each; problem b
    /// reads first/second [b·L, (b+1)·L) and draws from stream (seed, step, layer, b). Indices are
    /// local to their problem ([problems, k] row-major), winners one per problem.
    /// </summary>
    public static WtaCrsBatchedSelectionResult SelectBatched(
        ReadOnlySpan<float> first, ReadOnlySpan<float> second, bool normPairs, int problems, int k, uint seed, ulong step, uint layer,
        WtaCrsEstimator estimator = WtaCrsEstimator.WtaCrs)
    {
        if (problems < 1 || first.Length % problems != 0)
            throw new ArgumentException($"{first.Length} scores do not split into {problems} problems");
        var rows = first.Length / problems;
        var indices = new int[problems * k];
        var scales = new float[problems * k];
        var winners = new int[problems];
        for (var b = 0; b < problems; b++)
        {
            winners[b] = SelectInto(first.Slice(b * rows, rows), normPairs ? second.Slice(b * rows, rows) : default, normPairs,
                indices.AsSpan(b * k, k), scales.AsSpan(b * k, k), seed, step, layer, (uint)b, estimator);
        }
        return new WtaCrsBatchedSelectionResult(indices, scales, winners);
    }

    /// <summary>
    /// The selection into <paramref name="indices"/> and <paramref name="scales"/> (k = their length);
    /// returns c. With <paramref name="normPairs"/>, s_i = first_i · second_i, else s_i = first_i.
    /// <paramref name="problem"/> is the fourth Philox counter word (0 for a single selection).
    /// <see cref="WtaCrsEstimator.TopK"/>: the k largest scores, scale 1, c = k (no draws).
    /// </summary>
    public static int SelectInto(
        ReadOnlySpan<float> first, ReadOnlySpan<float> second, bool normPairs,
        Span<int> indices, Span<float> scales, uint seed, ulong step, uint layer, uint problem = 0,
        WtaCrsEstimator estimator = WtaCrsEstimator.WtaCrs)
    {
        var topK = estimator == WtaCrsEstimator.TopK;
        var n = first.Length;
        var k = indices.Length;
        if (scales.Length != k)
            throw new ArgumentException($"indices ({k}) and scales ({scales.Length}) differ in length");
        if (normPairs && second.Length != n)
            throw new ArgumentException($"x norms ({n}) and g norms ({second.Length}) differ in length");
        if (n > MaxRows)
            throw new ArgumentOutOfRangeException(nameof(first), n, $"at most {MaxRows} rows");
        if (k > n || (k == 0 && n > 0))
            throw new ArgumentOutOfRangeException(nameof(indices), k, $"the budget must be in [1, {n}]");
        if (k == n)
        {
            for (var i = 0; i < n; i++)
            {
                indices[i] = i;
                scales[i] = 1f;
            }
            return n;
        }

        var p = new float[n];
        for (var i = 0; i < n; i++)
            p[i] = normPairs ? first[i] * second[i] : first[i];
        var total = ChunkedTotal(p);
        // Top-k orders the scores themselves: a normalisation could round two scores to one p.
        var inverse = topK ? 1f : total > 0f ? 1f / total : 0f;
        for (var i = 0; i < n; i++)
            p[i] *= inverse;

        var order = SortedOrder(p);
        var sorted = new float[n];
        for (var i = 0; i < n; i++)
            sorted[i] = p[order[i]];
        var prefix = ChunkedPrefix(sorted);
        var qTotal = prefix[n - 1];
        var positive = 0;
        while (positive < n && sorted[positive] > 0f)
            positive++;

        var winners = topK ? k : 0;
        if (!topK && total > 0f)
        {
            var best = float.PositiveInfinity;
            for (var c = 0; c < k; c++)
            {
                var objective = (qTotal - PrefixBefore(prefix, c)) / (float)(k - c);
                if (objective <= best) // "<=": ties go to the larger c
                {
                    best = objective;
                    winners = c;
                }
            }
        }

        for (var i = 0; i < winners; i++)
        {
            indices[i] = order[i];
            scales[i] = 1f;
        }
        var draws = k - winners;
        var taken = PrefixBefore(prefix, winners);
        var remaining = qTotal - taken;
        for (var t = 0; t < draws; t++)
        {
            if (remaining > 0f)
            {
                var target = PhiloxRandom.Uniform(seed, step, layer, (uint)t, problem) * remaining;
                var j = SearchDraw(prefix, taken, target, winners, positive - 1);
                indices[winners + t] = order[j];
                scales[winners + t] = remaining / ((float)draws * sorted[j]);
            }
            else
            {
                indices[winners + t] = order[winners + t];
                scales[winners + t] = 0f;
            }
        }
        return winners;
    }

    /// <summary>
    /// Row indices by (p descending, row ascending). p ≥ 0, so its float bits order like the
    /// values as integers; key = (int.MaxValue − bits, row) packed in a long sorts ascending into
    /// exactly that order with a primitive sort (no comparison delegate: the CPU backend runs this for
    /// every (batch, head) of attention).
    /// </summary>
    internal static int[] SortedOrder(float[] p)
    {
        var keys = new long[p.Length];
        for (var i = 0; i < p.Length; i++)
        {
            var value = p[i] == 0f ? 0f : p[i]; // −0 ties with +0, as a float comparison has it
            keys[i] = ((long)(int.MaxValue - BitConverter.SingleToInt32Bits(value)) << 32) | (uint)i;
        }
        Array.Sort(keys);
        var order = new int[p.Length];
        for (var i = 0; i < p.Length; i++)
            order[i] = (int)(keys[i] & 0xFFFFFFFF);
        return order;
    }

    /// <summary>P_c: the sum of the c largest p as the prefix sums hold it (0 for c = 0).</summary>
    internal static float PrefixBefore(float[] prefix, int c) => c == 0 ? 0f : prefix[c - 1];

    /// <summary>The first sorted position j in [lo, hi] with Q_j − P_c &gt; target, or hi when there is none.</summary>
    internal static int SearchDraw(float[] prefix, float taken, float target, int lo, int hi)
    {
        while (lo < hi)
        {
            var mid = (lo + hi) >> 1;
            if (prefix[mid] - taken > target)
                hi = mid;
            else
                lo = mid + 1;
        }
        return lo;
    }

    /// <summary>Rows per chunk of the fixed <see cref="Chunks"/>-chunk sums.</summary>
    internal static int ChunkLength(int n) => (n + Chunks - 1) / Chunks;

    /// <summary>Σ values: each chunk sequentially from 0, then the chunk sums sequentially in chunk order.</summary>
    internal static float ChunkedTotal(ReadOnlySpan<float> values)
    {
        var length = ChunkLength(values.Length);
        var total = 0f;
        for (var chunk = 0; chunk < Chunks; chunk++)
        {
            var sum = 0f;
            var end = Math.Min(values.Length, (chunk + 1) * length);
            for (var i = chunk * length; i < end; i++)
                sum += values[i];
            total += sum;
        }
        return total;
    }

    /// <summary>Inclusive prefix sums Q_i = O_chunk + (chunk-local sequential sum up to i).</summary>
    internal static float[] ChunkedPrefix(ReadOnlySpan<float> values)
    {
        var n = values.Length;
        var length = ChunkLength(n);
        var prefix = new float[n];
        var offset = 0f;
        for (var chunk = 0; chunk < Chunks; chunk++)
        {
            var sum = 0f;
            var end = Math.Min(n, (chunk + 1) * length);
            for (var i = chunk * length; i < end; i++)
            {
                sum += values[i];
                prefix[i] = offset + sum;
            }
            offset += sum;
        }
        return prefix;
    }
}
