namespace CrsIlgpu.Model.Reference;

/// <summary>Gradients of <see cref="ReferenceMlp"/>: its input and fc1's and fc2's weights and biases.</summary>
public sealed record ReferenceMlpGradients(double[] Input, double[] Fc1Weight, double[] Fc1Bias, double[] Fc2Weight, double[] Fc2Bias);
