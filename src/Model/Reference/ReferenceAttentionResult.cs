namespace CrsIlgpu.Model.Reference;

/// <summary>
/// Attention forward: Qkv [B, L, 3D] (the qkv Linear's output), Probabilities [B, H, L, L],
/// Merged [B, L, D] (A·V, heads concatenated) and Output [B, L, D] (after proj).
/// </summary>
public sealed record ReferenceAttentionResult(double[] Qkv, double[] Probabilities, double[] Merged, double[] Output);
