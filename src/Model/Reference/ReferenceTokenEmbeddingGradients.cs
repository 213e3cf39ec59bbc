namespace CrsIlgpu.Model.Reference;

/// <summary>Gradients of <see cref="ReferenceTokenEmbedding"/>: patches [B, N, D], cls_token [D], pos_embed [L, D].</summary>
public sealed record ReferenceTokenEmbeddingGradients(double[] Patches, double[] ClassToken, double[] PositionEmbedding);
