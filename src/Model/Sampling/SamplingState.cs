using CrsIlgpu.Kernels.Runtime;

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
    public IntTensor? Examples { get; set; }

    /// <summary>Per-layer state that lives as long as the model (the gradient-norm caches), freed with it.</summary>
    public List<Tensor> PersistentState { get; } = [];

    /// <summary>
    /// Gradient-norm caches read from a checkpoint, by tensor label; a layer takes its own when it
    /// creates its cache, so a resumed run samples exactly as the uninterrupted one would.
    /// </summary>
    public Dictionary<string, float[]> RestoredCaches { get; } = [];
}
