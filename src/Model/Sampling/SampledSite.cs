namespace CrsIlgpu.Model.Sampling;

/// <summary>Places in a block whose weight (or attention) gradient can be estimated by WTA-CRS.</summary>
[Flags]
public enum SampledSite
{
    None = 0,
    Qkv = 1,
    Proj = 2,
    Fc1 = 4,
    Fc2 = 8,
    Qk = 16,
    Av = 32,
}
