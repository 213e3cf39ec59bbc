namespace CrsIlgpu.Model.Reference;

/// <summary>Scaled dot-product attention forward: softmax probabilities [B, H, L, L] and the heads merged back to [B, L, D].</summary>
public sealed record ReferenceAttentionCoreResult(double[] Probabilities, double[] Merged);
