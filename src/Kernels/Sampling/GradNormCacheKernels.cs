using CrsIlgpu.Kernels.Numerics;
using ILGPU.Runtime;

namespace CrsIlgpu.Kernels.Sampling;

/// <summary>
/// The Cached policy's scores from its per-example memory of gradient norms: slot (example, token)
/// holds the last ‖G‖ seen for that row (<see cref="GradNormCacheReference.Unseen"/> = none yet; a
/// stored 0 is a zero score); token row r of a batch maps to slot
/// examples[r / tokens] · tokens + r % tokens. The model hands it the batch's rows of a host table
/// (Model.Sampling.GradNormCacheStore), and stores new norms on the host (GradNormCacheReference.Store).
/// </summary>
public static class GradNormCacheKernels
{
    public const string ScoresName = "gradnorm_cache_scores";

    public static IReadOnlyList<KernelEntry> Catalog { get; } = KernelEntry.CatalogOf(typeof(GradNormCacheKernels), "Sampling",
    [
        (ScoresName, nameof(GradNormCacheScores), KernelGrouping.Implicit,
            "score[r] = ‖x_r‖ · (cached ‖G‖ of row r, or 1 when never seen)"),
    ]);

    internal static void GradNormCacheScores(Index1D r, ArrayView<float> xNorms, ArrayView<float> cache, ArrayView<int> examples, ArrayView<float> scores,
        int tokens)
    {
        var cached = cache[(long)examples[r / tokens] * tokens + r % tokens];
        scores[r] = ExactFloat.Mul(xNorms[r], cached >= 0f ? cached : 1f);
    }

    public static void LaunchScores(DeviceContext device, ArrayView<float> xNorms, ArrayView<float> cache, ArrayView<int> examples, ArrayView<float> scores,
        int tokens) =>
        device.Kernel(ScoresName, acc => acc.LoadAutoGroupedStreamKernel<
            Index1D, ArrayView<float>, ArrayView<float>, ArrayView<int>, ArrayView<float>, int>(GradNormCacheScores))
            ((int)scores.Length, xNorms, cache, examples, scores, tokens);
}
