using CrsIlgpu.Kernels.Reduction;

namespace CrsIlgpu.Kernels.Sampling;

/// <summary>
/// CPU backend of the gradient-norm cache's scores: examples in parallel, each example's tokens one
/// contiguous run of the cache. Element-wise, so <c>scores</c> may be <c>xNorms</c> itself (the
/// Cached policy scales its norms in place).
/// </summary>
public static class GradNormCacheCpu
{
    public static unsafe void Scores(ReadOnlySpan<float> xNorms, ReadOnlySpan<float> cache, ReadOnlySpan<int> examples, Span<float> scores, int tokens)
    {
        var batch = scores.Length / tokens;
        fixed (float* px = xNorms, pc = cache, ps = scores)
        fixed (int* pe = examples)
        {
            // Pointers, not spans, so the parallel body can capture them.
            var p = (X: (nint)px, C: (nint)pc, S: (nint)ps, E: (nint)pe);
            ParallelRows.For(batch, tokens, (b0, b1) =>
            {
                for (var b = b0; b < b1; b++)
                {
                    var row = (float*)p.X + (long)b * tokens;
                    var slot = (float*)p.C + (long)((int*)p.E)[b] * tokens;
                    var output = (float*)p.S + (long)b * tokens;
                    for (var t = 0; t < tokens; t++)
                        output[t] = row[t] * (slot[t] >= 0f ? slot[t] : 1f);
                }
            });
        }
    }
}
