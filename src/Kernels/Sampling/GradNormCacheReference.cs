namespace CrsIlgpu.Kernels.Sampling;

/// <summary>The gradient-norm cache written plainly: the scores (checked against the kernel and <see cref="GradNormCacheCpu"/>) and the host-side store the
/// model calls.</summary>
public static class GradNormCacheReference
{
    /// <summary>
    /// What a slot holds before its row's ‖G‖ was ever stored. Negative, so that a stored 0 (a row
    /// whose gradient was exactly zero, e.g. every non-class token after the last block's attention)
    /// stays a zero score, while an unseen row is scored by ‖x‖ alone (factor 1).
    /// </summary>
    public const float Unseen = -1f;

    public static void Scores(ReadOnlySpan<float> xNorms, ReadOnlySpan<float> cache, ReadOnlySpan<int> examples, Span<float> scores, int tokens)
    {
        for (var r = 0; r < scores.Length; r++)
        {
            var cached = cache[examples[r / tokens] * tokens + r % tokens];
            scores[r] = xNorms[r] * (cached >= 0f ? cached : 1f);
        }
    }

    public static void Store(ReadOnlySpan<float> gNorms, ReadOnlySpan<int> examples, Span<float> cache, int tokens)
    {
        for (var r = 0; r < gNorms.Length; r++)
            cache[examples[r / tokens] * tokens + r % tokens] = gNorms[r];
    }
}
