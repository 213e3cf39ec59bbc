namespace CrsIlgpu.Cli.Commands;

/// <summary>
/// The WTA-CRS options shared by the commands that run training steps (`crs memory`, `crs profile`,
/// `crs train`, `crs sweep`): --policy, --crs-layers, --estimator, the memory savers
/// (--recompute-attention, --recompute-gelu, the --memory preset), and the one rule turning a keep
/// ratio into a configuration (ρ = 1 is the dense baseline, training without sampling).
/// </summary>
public sealed class SamplingOptions
{
    public Option<string> Policy { get; } = CreatePolicy();

    public Option<string> Layers { get; } = new("--crs-layers")
    {
        Description = "Sampled layers: any of qkv, proj, fc1, fc2, qk, av, each with an optional own keep ratio (fc1:0.3,proj:0.5; qk and av take one), " +
            "or the presets paper (proj,fc1,fc2,qk,av) / seed-report (qkv,qk,av)",
        DefaultValueFactory = _ => "paper",
    };

    public Option<string> Estimator { get; } = CreateEstimator();

    public Option<bool> RecomputeAttention { get; } = new("--recompute-attention")
    {
        Description = "Do not keep the attention matrices for backward: each block's backward recomputes softmax(QKᵀ/√d) (less memory)",
    };

    public Option<bool> RecomputeGelu { get; } = new("--recompute-gelu")
    {
        Description = "Do not keep GELU's output for fc2's weight gradient: backward recomputes it from fc1's output (less memory)",
    };

    public Option<bool> LayerNormFromOutput { get; } = new("--layernorm-from-output")
    {
        Description = "LayerNorm backward from its output (x̂ = (y − β)/γ): no LayerNorm keeps its input; the output is kept for the next linear anyway",
    };

    public Option<string> Memory { get; } = CreateMemory();

    public Option<string> SavePrecision { get; } = CreateSavePrecision();

    public Option<string?> SavePrecisionFor { get; } = new("--save-precision-for")
    {
        Description = "Per-tensor overrides of --save-precision, KEY=PRECISION,... with KEY one of "
            + string.Join(", ", SavedPrecisionPolicy.Keys) + " (e.g. attn=bf16)",
    };

    public void AddTo(Command command)
    {
        command.Options.Add(Policy);
        command.Options.Add(Layers);
        command.Options.Add(Estimator);
        command.Options.Add(RecomputeAttention);
        command.Options.Add(RecomputeGelu);
        command.Options.Add(LayerNormFromOutput);
        command.Options.Add(Memory);
        command.Options.Add(SavePrecision);
        command.Options.Add(SavePrecisionFor);
    }

    /// <summary>The savers: the --memory preset, with each saver's own flag turning it on as well.</summary>
    public MemorySavers Savers(ParseResult parse)
    {
        var preset = MemorySavers.Presets[parse.GetValue(Memory)!];
        return preset with
        {
            RecomputeAttention = preset.RecomputeAttention || parse.GetValue(RecomputeAttention),
            RecomputeGelu = preset.RecomputeGelu || parse.GetValue(RecomputeGelu),
            LayerNormFromOutput = preset.LayerNormFromOutput || parse.GetValue(LayerNormFromOutput),
            Precision = SavedPrecisionPolicy.Parse(parse.GetValue(SavePrecision)!, parse.GetValue(SavePrecisionFor)),
        };
    }

    /// <summary>Says so when --policy or --crs-layers were typed but every keep ratio is dense: they would be ignored silently.</summary>
    public void WarnIfUnused(ParseResult parse, IEnumerable<double> ratios)
    {
        // An invalid list is an error, not a warning about an ignored one.
        var sites = WtaCrsConfig.ParseSites(parse.GetValue(Layers)!);
        if (sites == SampledSite.None && ratios.Any(r => r < 1))
            Console.Error.WriteLine("warning: --crs-layers none samples no layer: a keep ratio below 1 trains dense");
        var given = new Option[] { Policy, Layers, Estimator }.Where(o => parse.GetResult(o) is { Implicit: false }).Select(o => o.Name).ToList();
        var ownRatios = WtaCrsConfig.ParseSiteRatios(parse.GetValue(Layers)!);
        if (given.Count > 0 && ratios.All(r => r >= 1) && ownRatios.Values.All(r => r >= 1))
            Console.Error.WriteLine($"warning: {string.Join(" and ", given)} " +
                $"{(given.Count == 1 ? "has" : "have")} no effect at keep ratio 1 (dense training samples nothing)");
    }

    /// <summary>
    /// Null (dense) for ρ = 1 or --crs-layers none, else the configuration, seeded by the command's
    /// --seed (<see cref="WtaCrsConfig.Create"/>: the one rule <c>crs train</c> uses too).
    /// </summary>
    public WtaCrsConfig? Config(ParseResult parse, double ratio, int seed, string ratioOption) =>
        WtaCrsConfig.Create(ratio, WtaCrsConfig.ParseSites(parse.GetValue(Layers)!), WtaCrsConfig.ParsePolicy(parse.GetValue(Policy)!), seed, ratioOption,
            WtaCrsConfig.ParseEstimator(parse.GetValue(Estimator)!), WtaCrsConfig.ParseSiteRatios(parse.GetValue(Layers)!));

    private static Option<string> CreateEstimator()
    {
        var option = new Option<string>("--estimator")
        {
            Description = "Estimator of the sampled sums: wtacrs (unbiased: winners + scaled draws) " +
                "or topk (the seed report's BIASED baseline: the k largest-score rows, no rescaling)",
            DefaultValueFactory = _ => "wtacrs",
        };
        option.AcceptOnlyFromAmong("wtacrs", "topk");
        return option;
    }

    private static Option<string> CreateMemory()
    {
        var option = new Option<string>("--memory")
        {
            Description = "Memory savers preset: none, or lean (every saver: --recompute-attention --recompute-gelu --layernorm-from-output)",
            DefaultValueFactory = _ => "none",
        };
        option.AcceptOnlyFromAmong([.. MemorySavers.Presets.Keys]);
        return option;
    }

    private static Option<string> CreateSavePrecision()
    {
        var option = new Option<string>("--save-precision")
        {
            Description = "How tensors kept for backward are stored: fp32, bf16 (round to nearest even) or int8 (per-row absmax scale); compute stays fp32",
            DefaultValueFactory = _ => "fp32",
        };
        option.AcceptOnlyFromAmong("fp32", "bf16", "int8");
        return option;
    }

    private static Option<string> CreatePolicy()
    {
        var option = new Option<string>("--policy")
        {
            Description = "WTA-CRS policy: deferred (select at backward) or cached (select at forward, store only sampled rows)",
            DefaultValueFactory = _ => "cached",
        };
        option.AcceptOnlyFromAmong("deferred", "cached");
        return option;
    }
}
