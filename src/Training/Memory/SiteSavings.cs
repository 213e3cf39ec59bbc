using CrsIlgpu.Model.Sampling;

namespace CrsIlgpu.Training.Memory;

/// <summary>
/// What WTA-CRS saves at each sampled site, in bytes kept for backward, against dense training with
/// the same memory savers — and why, where it saves nothing: a sampled consumer of a tensor that is
/// kept whole anyway (a LayerNorm's output under backward-from-output, fc1's output for GELU) reads
/// its rows from it and keeps only its selection, and the attention sites select at backward.
/// </summary>
public sealed record SiteSavings(SampledSite Site, long DenseBytes, long SampledBytes, string Reason)
{
    public long Saved => DenseBytes - SampledBytes;

    /// <summary>The module suffix of each site's keeper in the step store (attention sites keep through the attention layer itself).</summary>
    private static readonly (SampledSite Site, string Layer)[] Keepers =
    [
        (SampledSite.Qkv, ".attn.qkv"), (SampledSite.Proj, ".attn.proj"), (SampledSite.Fc1, ".mlp.fc1"), (SampledSite.Fc2, ".mlp.fc2"),
        (SampledSite.Qk, ".attn"), (SampledSite.Av, ".attn"),
    ];

    /// <summary>One row per sampled site of <paramref name="sampled"/>, against <paramref name="dense"/> (the same model, batch and savers).</summary>
    public static IReadOnlyList<SiteSavings> Compare(StepMemoryReport dense, StepMemoryReport sampled, WtaCrsConfig sampling)
    {
        var rows = new List<SiteSavings>();
        foreach (var (site, layer) in Keepers.Where(k => sampling.Samples(k.Site)))
        {
            long Bytes(StepMemoryReport r) => r.SavedByLayer.Where(kv => kv.Key.EndsWith(layer, StringComparison.Ordinal)).Sum(kv => kv.Value);
            var (before, after) = (Bytes(dense), Bytes(sampled));
            rows.Add(new SiteSavings(site, site is SampledSite.Qk or SampledSite.Av ? 0 : before, site is SampledSite.Qk or SampledSite.Av ? 0 : after,
                Why(site, sampling, sampled.Savers)));
        }
        return rows;
    }

    private static string Why(SampledSite site, WtaCrsConfig sampling, MemorySavers savers) => site switch
    {
        SampledSite.Qk or SampledSite.Av => "0 B: selects at backward; A, q, k, v are kept whole for the input gradient",
        _ when sampling.Policy == SamplingPolicy.Deferred => "0 B: Deferred keeps the full input and selects at backward",
        SampledSite.Qkv when savers.LayerNormFromOutput => "nothing: its input is kept whole for norm1's backward (LayerNorm from its output)",
        SampledSite.Fc1 when savers.LayerNormFromOutput => "nothing: its input is kept whole for norm2's backward (LayerNorm from its output)",
        SampledSite.Fc2 when savers.RecomputeGelu => "nothing: its input is recomputed from fc1's output, kept for GELU's backward",
        _ => "keeps k of N rows of its input, pre-scaled, with their selection",
    };
}
