namespace CrsIlgpu.Model.Reference;

/// <summary>dLoss/dθ for every parameter (same names and shapes) and dLoss/dImages [B, C, S, S].</summary>
public sealed record ReferenceGradients(ReferenceParameters Parameters, double[] Images);
