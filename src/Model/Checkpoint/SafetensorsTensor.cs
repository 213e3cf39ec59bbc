namespace CrsIlgpu.Model.Checkpoint;

/// <summary>One tensor read from a safetensors file; <see cref="Data"/> is filled for F32 only.</summary>
public sealed record SafetensorsTensor(string Name, string DType, int[] Shape, float[] Data);
