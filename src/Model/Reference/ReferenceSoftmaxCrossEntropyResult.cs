namespace CrsIlgpu.Model.Reference;

/// <summary>Softmax cross-entropy forward: probabilities [B, classes], per-image losses [B] and their mean.</summary>
public sealed record ReferenceSoftmaxCrossEntropyResult(double[] Probabilities, double[] Losses, double Loss);
