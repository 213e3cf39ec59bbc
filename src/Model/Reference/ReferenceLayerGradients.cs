namespace CrsIlgpu.Model.Reference;

/// <summary>Gradients of a layer with one weight and one bias (Linear, LayerNorm, patch embedding).</summary>
public sealed record ReferenceLayerGradients(double[] Input, double[] Weight, double[] Bias);
