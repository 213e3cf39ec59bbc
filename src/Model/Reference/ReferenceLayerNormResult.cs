namespace CrsIlgpu.Model.Reference;

/// <summary>LayerNorm forward: the output [rows, width] and, per row, the mean and 1/√(var + eps).</summary>
public sealed record ReferenceLayerNormResult(double[] Output, double[] Mean, double[] Rstd);
