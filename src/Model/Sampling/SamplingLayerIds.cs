namespace CrsIlgpu.Model.Sampling;

/// <summary>
/// The RNG layer ids, in one place. A selection's draws are Philox(key (seed, layer id), counter
/// (step, draw, problem)), so every sampled site of the model needs its own id: block b gives its
/// six sites the ids 6b … 6b + 5 in the order qkv, proj, qk, av, fc1, fc2. Ids are distinct across
/// blocks and sites, whether or not a site samples, so turning one site on or off does not change
/// another site's draws. See docs/wtacrs.md.
/// </summary>
public static class SamplingLayerIds
{
    /// <summary>Ids each block takes.</summary>
    public const uint PerBlock = 6;

    public static uint For(int block, SampledSite site)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(block);
        uint offset = site switch
        {
            SampledSite.Qkv => 0,
            SampledSite.Proj => 1,
            SampledSite.Qk => 2,
            SampledSite.Av => 3,
            SampledSite.Fc1 => 4,
            SampledSite.Fc2 => 5,
            _ => throw new ArgumentOutOfRangeException(nameof(site), site, "one sampled site, not a combination"),
        };
        return checked((uint)block * PerBlock + offset);
    }
}
