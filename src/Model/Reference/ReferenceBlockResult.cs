namespace CrsIlgpu.Model.Reference;

/// <summary>
/// One pre-norm block's activations, all [B, L, D] flattened (attention probabilities and Mlp hidden aside):
/// Norm1 = LN1(input), Attention on it, Residual = input + attention, Norm2 = LN2(Residual), Mlp on it,
/// Output = Residual + mlp.
/// </summary>
public sealed record ReferenceBlockResult(
    ReferenceLayerNormResult Norm1,
    ReferenceAttentionResult Attention,
    double[] Residual,
    ReferenceLayerNormResult Norm2,
    ReferenceMlpResult Mlp,
    double[] Output);
