namespace CrsIlgpu.Kernels.Codec;

/// <summary>How a tensor kept for backward is stored: as is (fp32), as bfloat16, or as int8 with one absmax scale per row.</summary>
public enum SavedPrecision
{
    Fp32,
    Bf16,
    Int8,
}
