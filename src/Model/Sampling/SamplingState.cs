namespace CrsIlgpu.Model.Sampling;

/// <summary>
/// What every sampled layer of one model shares: the configuration and the training step, which
/// keys the counter-based RNG together with the seed and the layer id (reproducible draws).
/// </summary>
public sealed class SamplingState(WtaCrsConfig config)
{
    public WtaCrsConfig Config { get; } = config;

    public ulong Step { get; set; }
}
