using System.Text.Json.Serialization;
using CrsIlgpu.Model.Sampling;
using CrsIlgpu.Training.Data;

namespace CrsIlgpu.Training.Trainer;

/// <summary>
/// Everything that defines a training run. Saved in the checkpoint, so a resume continues the same
/// run: only <see cref="Epochs"/> may grow on resume (train longer), everything else must match.
/// </summary>
public sealed record TrainingOptions
{
    public string Dataset { get; init; } = "cifar10";

    /// <summary>Preset name or JSON config path (vit-cifar-tiny by default).</summary>
    public string Model { get; init; } = "vit-cifar-tiny";

    public int Epochs { get; init; } = 1;

    public int Batch { get; init; } = 64;

    public double LearningRate { get; init; } = 3e-4;

    /// <summary>adam (L2 folded into the gradient when weight decay is set) or adamw (decoupled decay).</summary>
    public string Optimizer { get; init; } = "adam";

    public double WeightDecay { get; init; }

    /// <summary>Linear warm-up length as a fraction of all steps; then cosine decay to <see cref="MinLearningRate"/>.</summary>
    public double WarmupFraction { get; init; } = 0.05;

    public double MinLearningRate { get; init; }

    /// <summary>Global gradient-norm clip; null: no clipping.</summary>
    public double? ClipNorm { get; init; } = 1.0;

    public double LabelSmoothing { get; init; }

    public int Seed { get; init; }

    /// <summary>WTA-CRS keep ratio; 1 with no sampled layers is dense training.</summary>
    public double Ratio { get; init; } = 1.0;

    /// <summary>Sampled layers ("paper", "seed-report", "none" or a list); used when <see cref="Ratio"/> &lt; 1.</summary>
    public string CrsLayers { get; init; } = "paper";

    public string Policy { get; init; } = "cached";

    /// <summary>"wtacrs" (unbiased) or "topk" (the seed report's biased baseline: the k largest-score rows, scale 1).</summary>
    public string Estimator { get; init; } = "wtacrs";

    /// <summary>Recompute each block's attention matrix at backward instead of keeping it (less memory, one more QKᵀ and softmax per block).</summary>
    public bool RecomputeAttention { get; init; }

    /// <summary>Recompute GELU's output at backward instead of fc2 keeping it (less memory, one more GELU per block).</summary>
    public bool RecomputeGelu { get; init; }

    /// <summary>LayerNorm's backward from its output: no LayerNorm keeps its input (less memory, one more pass per LayerNorm).</summary>
    public bool LayerNormFromOutput { get; init; }

    /// <summary>How kept tensors are stored: fp32, bf16 or int8 (<c>--save-precision</c>).</summary>
    public string SavePrecision { get; init; } = "fp32";

    /// <summary>Per-tensor overrides, KEY=PRECISION,... (<c>--save-precision-for</c>); null: none.</summary>
    public string? SavePrecisionFor { get; init; }

    /// <summary>The memory savers these options turn on.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public MemorySavers Savers => new() { RecomputeAttention = RecomputeAttention, RecomputeGelu = RecomputeGelu, LayerNormFromOutput = LayerNormFromOutput,
        Precision = SavedPrecisionPolicy.Parse(SavePrecision, SavePrecisionFor) };

    /// <summary>Train on the first N images of the (seeded) training set only; 0: all of it.</summary>
    public int TrainLimit { get; init; }

    /// <summary>Evaluate on the first N test images only; 0: all of them.</summary>
    public int TestLimit { get; init; }

    /// <summary>
    /// Starting weights (`--init`): a crs model folder or a timm-layout model.safetensors; null: random
    /// init from <see cref="Seed"/>. Part of the run's identity, so a resume refuses another one.
    /// </summary>
    public string? Init { get; init; }

    /// <summary>Write a step line to metrics.jsonl every N steps.</summary>
    public int LogEvery { get; init; } = 10;

    /// <summary>
    /// Every N updates, measure each sampled site's estimate against its exact gradient on the same
    /// batch (probe.jsonl, probe-SITE.png); 0: never. Does not change what training computes.
    /// </summary>
    public int ProbeEvery { get; init; }

    public void Validate()
    {
        if (!CifarDatasets.Names.Contains(Dataset))
            throw new CrsException($"--dataset: unknown data set '{Dataset}', expected one of: {string.Join(", ", CifarDatasets.Names)}");
        Positive("--epochs", Epochs);
        Positive("--batch", Batch);
        Positive("--log-every", LogEvery);
        if (ProbeEvery < 0)
            throw new CrsException($"--probe-every must be positive (0: no probe), got {ProbeEvery}");
        if (!(LearningRate > 0) || double.IsInfinity(LearningRate))
            throw new CrsException($"--lr must be a positive number, got {LearningRate}");
        if (!(MinLearningRate >= 0 && MinLearningRate <= LearningRate))
            throw new CrsException($"--min-lr must be in [0, --lr], got {MinLearningRate}");
        if (!(WarmupFraction >= 0 && WarmupFraction < 1))
            throw new CrsException($"--warmup must be a fraction in [0, 1), got {WarmupFraction}");
        if (!(WeightDecay >= 0))
            throw new CrsException($"--weight-decay must be non-negative, got {WeightDecay}");
        if (ClipNorm is { } clip && !(clip > 0))
            throw new CrsException($"--clip-norm must be positive, got {clip}");
        if (!(LabelSmoothing >= 0 && LabelSmoothing < 1))
            throw new CrsException($"--label-smoothing must be in [0, 1), got {LabelSmoothing}");
        if (Optimizer is not ("adam" or "adamw"))
            throw new CrsException($"--optimizer must be adam or adamw, got '{Optimizer}'");
        if (TrainLimit < 0 || TestLimit < 0)
            throw new CrsException("--train-limit and --test-limit must be non-negative (0: the whole split)");
        if (Init is { Length: 0 })
            throw new CrsException("--init needs a path (a crs model folder or a model.safetensors)");
        Sampling()?.Validate();
    }

    /// <summary>The WTA-CRS configuration, or null for dense training (ρ = 1 or --crs-layers none).</summary>
    public WtaCrsConfig? Sampling() =>
        WtaCrsConfig.Create(Ratio, WtaCrsConfig.ParseSites(CrsLayers), WtaCrsConfig.ParsePolicy(Policy), Seed,
            estimator: WtaCrsConfig.ParseEstimator(Estimator),
            siteRatios: WtaCrsConfig.ParseSiteRatios(CrsLayers));

    /// <summary>The settings a resume must share with the run it continues (all but the epoch count).</summary>
    [JsonIgnore]
    public TrainingOptions Identity => this with { Epochs = 0 };

    private static void Positive(string name, int value)
    {
        if (value < 1)
            throw new CrsException($"{name} must be positive, got {value}");
    }
}
