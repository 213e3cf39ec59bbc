using CrsIlgpu.Kernels.Sampling;

namespace CrsIlgpu.Model.Sampling;

/// <summary>
/// Which layers sample and how: keep ratio ρ, minimum budget k_min, policy, and the seed of the
/// counter-based RNG (draws are keyed by seed, step and layer, so runs are reproducible).
/// The policy applies to the linears (qkv, proj, fc1, fc2). The attention matmuls (qk: dK = scale·dSᵀQ,
/// av: dV = AᵀdO, each over the L query rows of every (batch, head), budget k = Budget(L)) always
/// select at backward from the true scores, because A and Q must be kept in full anyway (softmax's
/// and dQ's backward need them): for them Cached behaves like Deferred. They save compute; memory
/// only together with attention recompute. <see cref="Estimator"/> TopK replaces the unbiased
/// estimator by the seed report's biased baseline (the k largest-score rows, scale 1, no draws).
/// </summary>
public sealed record WtaCrsConfig(SampledSite Sites, double Ratio, SamplingPolicy Policy = SamplingPolicy.Deferred, int KMin = 10, uint Seed = 0,
    WtaCrsEstimator Estimator = WtaCrsEstimator.WtaCrs)
{
    /// <summary>The paper's main setting: attention output projection, both MLP linears, QKᵀ and A·V.</summary>
    public const SampledSite PaperSites = SampledSite.Proj | SampledSite.Fc1 | SampledSite.Fc2 | SampledSite.Qk | SampledSite.Av;

    /// <summary>The seed report's setting: the Q/K/V projection and the two attention matmuls.</summary>
    public const SampledSite SeedReportSites = SampledSite.Qkv | SampledSite.Qk | SampledSite.Av;

    /// <summary>No sampling: dense training.</summary>
    public static WtaCrsConfig Dense { get; } = new(SampledSite.None, 1.0);

    /// <summary>
    /// "dense" for null, else e.g. "WTA-CRS Cached rho=0.3 on Proj, Fc1, Fc2, Qk, Av", or with the
    /// top-k estimator "topk (biased baseline) Cached rho=0.3 on …" (reports and logs).
    /// </summary>
    public static string Describe(WtaCrsConfig? config) =>
        config is null ? "dense" : $"{EstimatorLabel(config.Estimator)} {config.Policy} rho={config.Ratio} on {config.Sites}" +
            (config.SiteRatios.Count == 0 ? "" : " (" + string.Join(", ", config.SiteRatios.OrderBy(r => r.Key)
                .Select(r => $"{r.Key.ToString().ToLowerInvariant()} rho={r.Value.ToString(System.Globalization.CultureInfo.InvariantCulture)}")) + ")");

    /// <summary>
    /// Keep ratios of single sites that override <see cref="Ratio"/> (<c>--crs-layers fc1:0.3,proj:0.5</c>);
    /// empty: every site at <see cref="Ratio"/>. qk and av share one selection per (batch, head), so they share one ratio.
    /// </summary>
    public IReadOnlyDictionary<SampledSite, double> SiteRatios { get; init; } = new Dictionary<SampledSite, double>();

    /// <summary>The keep ratio of one site: its override, else <see cref="Ratio"/>.</summary>
    public double RatioFor(SampledSite site) => SiteRatios.TryGetValue(site, out var ratio) ? ratio : Ratio;

    /// <summary>How outputs name an estimator: "WTA-CRS", or "topk (biased baseline)" so no table passes it off as the method.</summary>
    public static string EstimatorLabel(WtaCrsEstimator estimator) => estimator switch
    {
        WtaCrsEstimator.TopK => "topk (biased baseline)",
        _ => "WTA-CRS",
    };

    /// <summary>"dense" at ρ ≥ 1, else "r" + ρ: how run folders are named.</summary>
    public static string RunLabel(double ratio) =>
        ratio >= 1 ? "dense" : "r" + ratio.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>A configured site samples at any ρ, so ρ = 1 runs the sampling path (every row kept with scale 1).</summary>
    public bool Samples(SampledSite site) => (Sites & site) != 0;

    /// <summary>k = min(N, max(⌊ρ·N⌋, k_min)) with the site's ρ (<see cref="RatioFor"/>).</summary>
    public int Budget(int rows, SampledSite site) => Kernels.Sampling.WtaCrsBudget.For(rows, RatioFor(site), KMin);

    public void Validate()
    {
        CheckRatio(Ratio);
        foreach (var (site, ratio) in SiteRatios)
            CheckRatio(ratio, $"--crs-layers {site.ToString().ToLowerInvariant()}");
        if (RatioFor(SampledSite.Qk) != RatioFor(SampledSite.Av) && Samples(SampledSite.Qk) && Samples(SampledSite.Av))
            throw new CrsException("--crs-layers: qk and av share one selection per (batch, head), " +
                "so they take one keep ratio; give both the same (or neither)");
        if (KMin < 1)
            throw new CrsException($"k_min must be positive, got {KMin}");
    }

    /// <summary>
    /// The one rule every command uses to turn its options into a configuration: null (dense
    /// training) when ρ = 1 or no layer is sampled, else the sampled sites at ρ with the policy and
    /// the run's seed — the same <c>--seed</c> that seeds the weights and the data seeds the sampler.
    /// <paramref name="ratioOption"/> names the option in the error for a ρ outside (0, 1].
    /// </summary>
    public static WtaCrsConfig? Create(double ratio, SampledSite sites, SamplingPolicy policy, int seed, string ratioOption = "--ratio",
        WtaCrsEstimator estimator = WtaCrsEstimator.WtaCrs, IReadOnlyDictionary<SampledSite, double>? siteRatios = null)
    {
        CheckRatio(ratio, ratioOption);
        var config = new WtaCrsConfig(sites, ratio, policy, Seed: unchecked((uint)seed), Estimator: estimator)
        {
            SiteRatios = siteRatios ?? new Dictionary<SampledSite, double>(),
        };
        config.Validate();
        // Dense when no sampled site keeps fewer than all rows.
        if (sites == SampledSite.None || Enum.GetValues<SampledSite>().Where(s => s != SampledSite.None && config.Samples(s)).All(s => config.RatioFor(s) == 1))
            return null;
        return config;
    }

    /// <summary>The one check of a keep ratio: ρ ∈ (0, 1].</summary>
    public static void CheckRatio(double ratio, string option = "--ratio")
    {
        if (!(ratio > 0 && ratio <= 1))
            throw new CrsException($"{option} must be in (0, 1], got {ratio.ToString(System.Globalization.CultureInfo.InvariantCulture)}");
    }

    /// <summary>Parses --policy: "cached" or "deferred" (any case).</summary>
    public static SamplingPolicy ParsePolicy(string text) => text.Trim().ToLowerInvariant() switch
    {
        "cached" => SamplingPolicy.Cached,
        "deferred" => SamplingPolicy.Deferred,
        _ => throw new CrsException($"--policy must be cached or deferred, got '{text}'"),
    };

    /// <summary>Parses --estimator: "wtacrs" or "topk" (any case).</summary>
    public static WtaCrsEstimator ParseEstimator(string text) => text.Trim().ToLowerInvariant() switch
    {
        "wtacrs" => WtaCrsEstimator.WtaCrs,
        "topk" => WtaCrsEstimator.TopK,
        _ => throw new CrsException($"--estimator must be wtacrs or topk, got '{text}'"),
    };

    /// <summary>
    /// The per-site ratios of a <c>--crs-layers</c> list: "fc1:0.3,fc2:0.3,proj:0.5" gives fc1 → 0.3, …;
    /// sites without ":ρ" (and the presets) take <c>--ratio</c>. Ranges are checked by <see cref="Validate"/>.
    /// </summary>
    public static IReadOnlyDictionary<SampledSite, double> ParseSiteRatios(string text)
    {
        var ratios = new Dictionary<SampledSite, double>();
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var colon = part.IndexOf(':');
            if (colon < 0)
                continue;
            var value = part[(colon + 1)..].Trim();
            if (!double.TryParse(value, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var ratio))
                throw new CrsException($"--crs-layers: '{part}': '{value}' is not a keep ratio (write e.g. fc1:0.3)");
            var site = ParseSites(part[..colon]);
            if (!Enum.IsDefined(site) || site == SampledSite.None)
                throw new CrsException($"--crs-layers: '{part}': a keep ratio goes with one layer (qkv, proj, fc1, fc2, qk, av), not a preset");
            ratios[site] = ratio;
        }
        return ratios;
    }

    /// <summary>Parses "paper", "seed-report", "none" or a list such as "proj,fc1,fc2,qk,av"
    /// (a site may carry ":ρ", see <see cref="ParseSiteRatios"/>).</summary>
    public static SampledSite ParseSites(string text)
    {
        switch (text.Trim().ToLowerInvariant())
        {
            case "paper":
                return PaperSites;
            case "seed-report":
                return SeedReportSites;
            case "none":
                return SampledSite.None;
        }
        // An empty list (--crs-layers "" or ",") is a slip, not a request for dense training: say so.
        if (text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Length == 0)
            throw new CrsException("--crs-layers: empty; name the sampled layers (qkv, proj, fc1, fc2, qk, av), a preset (paper, seed-report), or none");
        var sites = SampledSite.None;
        foreach (var entry in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var part = entry.Split(':')[0].Trim();
            if (part != entry && part.ToLowerInvariant() is "paper" or "seed-report" or "none")
                throw new CrsException($"--crs-layers: '{entry}': a keep ratio goes with one layer (qkv, proj, fc1, fc2, qk, av), not a preset");
            sites |= part.ToLowerInvariant() switch
            {
                "qkv" => SampledSite.Qkv,
                "proj" => SampledSite.Proj,
                "fc1" => SampledSite.Fc1,
                "fc2" => SampledSite.Fc2,
                "qk" => SampledSite.Qk,
                "av" => SampledSite.Av,
                _ => throw new CrsException($"--crs-layers: unknown layer '{part}'; use qkv, proj, fc1, fc2, qk, av, or the presets paper / seed-report"),
            };
        }
        return sites;
    }
}
