namespace CrsIlgpu.Cli.Commands;

/// <summary>The options of a training run, shared by `crs train` and `crs sweep`, and their binding to <see cref="TrainingOptions"/>.</summary>
public sealed class TrainingOptionSet
{
    private static readonly TrainingOptions D = new();

    public Option<string> Dataset { get; } = Choice("--dataset",
        "cifar10, cifar100 (100 fine classes) or cifar100-coarse (20 superclasses)",
        D.Dataset, [.. CifarDatasets.Names]);
    public Option<string> Model { get; } = ModelOptions.Model(D.Model);
    /// <summary>--policy, --crs-layers, --recompute-attention: the same options as `crs memory` and `crs profile`.</summary>
    public SamplingOptions Sampling { get; } = new();
    public Option<double> Ratio { get; } = new("--ratio")
    {
        Description = "WTA-CRS keep ratio ρ in (0, 1]; 1 = dense training",
        DefaultValueFactory = _ => D.Ratio,
    };
    public Option<int> Epochs { get; } = new("--epochs")
    {
        Description = "Epochs to train (with --resume: the new total)",
        DefaultValueFactory = _ => D.Epochs,
    };
    public Option<int> Batch { get; } = ModelOptions.Batch(D.Batch);
    public Option<double> Lr { get; } = new("--lr") { Description = "Peak learning rate", DefaultValueFactory = _ => D.LearningRate };
    public Option<double> MinLr { get; } = new("--min-lr")
    {
        Description = "Learning rate at the end of the cosine decay",
        DefaultValueFactory = _ => D.MinLearningRate,
    };
    public Option<double> Warmup { get; } = new("--warmup")
    {
        Description = "Linear warm-up as a fraction of all updates",
        DefaultValueFactory = _ => D.WarmupFraction,
    };
    public Option<string> Optimizer { get; } = Choice("--optimizer", "adam (L2 weight decay) or adamw (decoupled)", D.Optimizer, ["adam", "adamw"]);
    public Option<double> WeightDecay { get; } = new("--weight-decay") { Description = "Weight decay", DefaultValueFactory = _ => D.WeightDecay };
    public Option<double> ClipNorm { get; } = new("--clip-norm")
    {
        Description = "Clip the global gradient norm to this; 0 = no clipping",
        DefaultValueFactory = _ => D.ClipNorm ?? 0,
    };
    public Option<double> LabelSmoothing { get; } = new("--label-smoothing")
    {
        Description = "Label smoothing of the cross-entropy",
        DefaultValueFactory = _ => D.LabelSmoothing,
    };
    public Option<int> Seed { get; } = new("--seed")
    {
        Description = "Seed of initialisation, data order, augmentation and sampling",
        DefaultValueFactory = _ => D.Seed,
    };
    public Option<int> TrainLimit { get; } = new("--train-limit")
    {
        Description = "Train on a seeded random subset of this many images; 0 = all",
        DefaultValueFactory = _ => D.TrainLimit,
    };
    public Option<int> TestLimit { get; } = new("--test-limit")
    {
        Description = "Evaluate on a fixed random subset of this many test images; 0 = all",
        DefaultValueFactory = _ => D.TestLimit,
    };
    public Option<string?> Init { get; } = new("--init")
    {
        Description = "Start from these weights: a crs model folder or a timm-layout model.safetensors (F32/F16/BF16); " +
            "another class count re-initialises the head, another patch grid resamples pos_embed",
    };
    public Option<string?> Recipe { get; } = RecipeOption();
    public Option<int> LogEvery { get; } = new("--log-every")
    {
        Description = "Write a step line to metrics.jsonl every N steps",
        DefaultValueFactory = _ => D.LogEvery,
    };
    public Option<int> ProbeEvery { get; } = new("--probe-every")
    {
        Description = "Every N updates also compute each sampled site's exact gradient on the same batch " +
            "and log its error, cosine and winner count to probe.jsonl (+ probe-SITE.png); " +
            "the weights stay the same, its time is reported apart",
    };
    public Option<string> Data => DataOptions.Dir;
    public Option<string> Packs => DataOptions.Packs;

    /// <summary>Options that define the run (not where the data is): a resume takes these from the checkpoint.</summary>
    public IEnumerable<Option> RunDefining =>
        [Dataset, Model, Ratio, Sampling.Layers, Sampling.Policy, Sampling.Estimator, Sampling.RecomputeAttention, Sampling.RecomputeGelu, Sampling.LayerNormFromOutput, Sampling.Memory, Sampling.SavePrecision, Sampling.SavePrecisionFor,
        Batch, Lr, MinLr, Warmup, Optimizer, WeightDecay, ClipNorm, LabelSmoothing, Seed, Init, TrainLimit, TestLimit, LogEvery, ProbeEvery];

    public void AddTo(Command command, bool withDataset = true)
    {
        foreach (var option in RunDefining.Where(o => withDataset || o != Dataset).Append(Epochs).Append(Recipe).Append(Data).Append(Packs))
            command.Options.Add(option);
    }

    /// <summary>The options as typed, with --recipe's settings for those not typed.</summary>
    public TrainingOptions Bind(ParseResult parse) => parse.GetValue(Recipe) is { } recipe
        ? TrainingRecipe.Apply(recipe, BindTyped(parse),
            RunDefining.Append(Epochs).Where(o => parse.GetResult(o) is { Implicit: false }).Select(o => o.Name).ToHashSet())
        : BindTyped(parse);

    private TrainingOptions BindTyped(ParseResult parse) => BindTyped(parse, Sampling.Savers(parse));

    private TrainingOptions BindTyped(ParseResult parse, MemorySavers savers) => new()
    {
        Dataset = parse.GetValue(Dataset)!,
        Model = parse.GetValue(Model)!,
        Ratio = parse.GetValue(Ratio),
        CrsLayers = parse.GetValue(Sampling.Layers)!,
        Policy = parse.GetValue(Sampling.Policy)!,
        Estimator = parse.GetValue(Sampling.Estimator)!,
        RecomputeAttention = savers.RecomputeAttention,
        RecomputeGelu = savers.RecomputeGelu,
        LayerNormFromOutput = savers.LayerNormFromOutput,
        SavePrecision = parse.GetValue(Sampling.SavePrecision)!,
        SavePrecisionFor = parse.GetValue(Sampling.SavePrecisionFor),
        Epochs = parse.GetValue(Epochs),
        Batch = parse.GetValue(Batch),
        LearningRate = parse.GetValue(Lr),
        MinLearningRate = parse.GetValue(MinLr),
        WarmupFraction = parse.GetValue(Warmup),
        Optimizer = parse.GetValue(Optimizer)!,
        WeightDecay = parse.GetValue(WeightDecay),
        ClipNorm = parse.GetValue(ClipNorm) is var clip && clip == 0 ? null : clip,
        LabelSmoothing = parse.GetValue(LabelSmoothing),
        Seed = parse.GetValue(Seed),
        Init = parse.GetValue(Init),
        TrainLimit = parse.GetValue(TrainLimit),
        TestLimit = parse.GetValue(TestLimit),
        LogEvery = parse.GetValue(LogEvery),
        ProbeEvery = ProbeInterval(parse),
    };

    /// <summary>--probe-every as typed: absent is 0 (no probe); a typed value must be positive.</summary>
    private int ProbeInterval(ParseResult parse)
    {
        if (parse.GetResult(ProbeEvery) is not { Implicit: false })
            return 0;
        var every = parse.GetValue(ProbeEvery);
        if (every < 1)
            throw new CrsException($"--probe-every must be a positive number of updates, got {every}");
        return every;
    }

    /// <summary>Names of the run-defining options the user typed (a resume refuses them).</summary>
    public IReadOnlyList<string> Given(ParseResult parse) =>
        RunDefining.Where(o => parse.GetResult(o) is { Implicit: false }).Select(o => o.Name).ToList();

    private static Option<string?> RecipeOption()
    {
        var option = new Option<string?>("--recipe")
        {
            Description = "Preset run: seed = the seed experiments' fine-tune (vit-b16 at 224, batch 64, 8 epochs, Adam 3e-4, crop + flip); " +
                "options you type override it",
        };
        option.AcceptOnlyFromAmong([.. TrainingRecipe.Names]);
        return option;
    }

    private static Option<string> Choice(string name, string description, string fallback, string[] values)
    {
        var option = new Option<string>(name) { Description = description, DefaultValueFactory = _ => fallback };
        option.AcceptOnlyFromAmong(values);
        return option;
    }
}
