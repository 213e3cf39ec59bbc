namespace CrsIlgpu.Model.Sampling;

/// <summary>
/// When WTA-CRS picks its rows. Deferred: at backward, with the true ‖G_i‖ (saves FLOPs, keeps the
/// full input). Cached: at forward, with the last seen ‖G‖ of each example and token, storing only
/// the k sampled, pre-scaled input rows (saves memory too).
/// </summary>
public enum SamplingPolicy
{
    Deferred,
    Cached,
}
