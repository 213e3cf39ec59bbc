namespace CrsIlgpu.Model.Sampling;

/// <summary>
/// What every sampled layer of one model shares: the configuration and the training step, which
/// keys the counter-based RNG together with the seed and the layer id (reproducible draws).
/// </summary>
public sealed class SamplingState(WtaCrsConfig config)
{
    public WtaCrsConfig Config { get; } = config;

    public ulong Step { get; set; }

    /// <summary>
    /// Example slots of the Cached policy's gradient-norm cache (the dataset size); 0 keeps no cache,
    /// and then p ∝ ‖x_i‖ alone.
    /// </summary>
    public int ExampleSlots { get; init; }

    /// <summary>Dataset ids of this step's images (set by the model's forward when the caller gives them).</summary>
    public int[]? Examples { get; set; }

    /// <summary>
    /// The gradient-norm tables (host memory), created with the model, saved with checkpoints; up to
    /// date: the last step's norms, still on their way from the device, are written in first.
    /// </summary>
    public GradNormCacheStore Caches
    {
        get
        {
            Rows?.CommitPending();
            return Store;
        }
    }

    /// <summary>The tables as they stand (for <see cref="GradNormRows"/> itself).</summary>
    internal GradNormCacheStore Store => _caches ??= new GradNormCacheStore(ExampleSlots);

    /// <summary>The device side of the tables for the current step (set by the model; null without a cache).</summary>
    public GradNormRows? Rows { get; set; }

    /// <summary>The gradient probe (set by a trainer that probes; null: no probe). Sampled sites measure themselves while it is active.</summary>
    public GradientProbe? Probe { get; set; }

    private GradNormCacheStore? _caches;
}
