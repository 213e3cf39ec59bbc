namespace CrsIlgpu.Model.Checkpoint;

/// <summary>Everything read from a safetensors file: tensors by name and the string metadata.</summary>
public sealed record SafetensorsContent(IReadOnlyDictionary<string, SafetensorsTensor> Tensors, IReadOnlyDictionary<string, string> Metadata);
