namespace CrsIlgpu.Model.Reference;

/// <summary>Gradients of <see cref="ReferenceAttention"/>: its input and the qkv and proj Linears' weights and biases.</summary>
public sealed record ReferenceAttentionGradients(double[] Input, double[] QkvWeight, double[] QkvBias, double[] ProjWeight, double[] ProjBias);
