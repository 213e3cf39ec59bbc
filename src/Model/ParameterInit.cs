namespace CrsIlgpu.Model;

/// <summary>How a parameter starts: timm's ViT init (truncated normal std 0.02 cut at ±2σ, zeros, ones).</summary>
public enum ParameterInit
{
    TruncNormal002,
    Zeros,
    Ones,
}
