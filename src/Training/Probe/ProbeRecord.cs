using System.Text.Json.Serialization;
using CrsIlgpu.Model.Sampling;

namespace CrsIlgpu.Training.Probe;

/// <summary>
/// One line of probe.jsonl: a sampled site (block, site) at a probe step — the update
/// <see cref="Step"/> (1-based, as metrics.jsonl counts them) of epoch <see cref="Epoch"/> (1-based).
/// k and n: the budget and the rows it is taken from (per (batch, head) problem for qk and av, of
/// which there are <see cref="Problems"/>); winners: c (the mean over problems for qk and av);
/// rel_error ‖Ĝ − G‖/‖G‖ and cosine of the applied estimate against the exact gradient; ms: the
/// measurement's own time (not part of the step time).
/// </summary>
public sealed record ProbeRecord(
    [property: JsonPropertyName("step")] int Step,
    [property: JsonPropertyName("epoch")] int Epoch,
    [property: JsonPropertyName("block")] int Block,
    [property: JsonPropertyName("site")] string Site,
    [property: JsonPropertyName("k")] int K,
    [property: JsonPropertyName("n")] int N,
    [property: JsonPropertyName("problems")] int Problems,
    [property: JsonPropertyName("winners")] double Winners,
    [property: JsonPropertyName("rel_error")] double RelativeError,
    [property: JsonPropertyName("cosine")] double Cosine,
    [property: JsonPropertyName("exact_norm")] double ExactNorm,
    [property: JsonPropertyName("sampled_norm")] double SampledNorm,
    [property: JsonPropertyName("ms")] double Milliseconds)
{
    public static ProbeRecord From(ProbeMeasurement m, int step, int epoch) =>
        new(step, epoch, m.Block, SiteName(m.Site), m.Budget, m.Rows, m.Problems, m.Winners,
            m.RelativeError, m.Cosine, m.ExactNorm, m.SampledNorm, m.Milliseconds);

    /// <summary>The site as --crs-layers spells it: qkv, proj, fc1, fc2, qk, av.</summary>
    public static string SiteName(SampledSite site) => site.ToString().ToLowerInvariant();
}
