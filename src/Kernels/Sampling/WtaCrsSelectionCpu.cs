namespace CrsIlgpu.Kernels.Sampling;

/// <summary>
/// CPU backend of the selection: the reference's algorithm itself. Its cost (a sort of N ≤ ~16k
/// floats) is small next to the GEMMs it saves, and running the very code the kernel is checked
/// against keeps the two backends' draws identical.
/// </summary>
public static class WtaCrsSelectionCpu
{
    /// <summary>Problems below this many rows in all run on one thread (the hand-off would cost more).</summary>
    private const int ParallelRows = 1 << 12;

    /// <summary>
    /// <paramref name="winners"/>.Length independent selections of n = first.Length / problems rows,
    /// k = indices.Length / problems each, problem b keyed by (seed, step, layer, b); in parallel over problems.
    /// A single selection is one problem.
    /// </summary>
    public static unsafe void Select(
        ReadOnlySpan<float> first, ReadOnlySpan<float> second, bool normPairs,
        Span<int> indices, Span<float> scales, Span<int> winners, uint seed, ulong step, uint layer,
        WtaCrsEstimator estimator = WtaCrsEstimator.WtaCrs)
    {
        int problems = winners.Length;
        if (problems == 0)
            return;
        int n = first.Length / problems, k = indices.Length / problems;
        fixed (float* pf = first, ps = second, pscale = scales)
        fixed (int* pi = indices, pw = winners)
        {
            // Pointers, not spans, so the parallel body can capture them.
            var p = (F: (nint)pf, S: (nint)ps, I: (nint)pi, C: (nint)pscale, W: (nint)pw);
            void One(int b)
            {
                var rows = new ReadOnlySpan<float>((float*)p.F + (long)b * n, n);
                var other = normPairs ? new ReadOnlySpan<float>((float*)p.S + (long)b * n, n) : default;
                ((int*)p.W)[b] = WtaCrsSelectionReference.SelectInto(rows, other, normPairs,
                    new Span<int>((int*)p.I + (long)b * k, k), new Span<float>((float*)p.C + (long)b * k, k), seed, step, layer, (uint)b, estimator);
            }

            if ((long)problems * n < ParallelRows || problems == 1)
                for (var b = 0; b < problems; b++)
                    One(b);
            else
                Parallel.For(0, problems, CpuThreads.Options, One);
        }
    }
}
