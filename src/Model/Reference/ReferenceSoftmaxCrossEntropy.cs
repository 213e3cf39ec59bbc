namespace CrsIlgpu.Model.Reference;

/// <summary>
/// nn.CrossEntropyLoss(label_smoothing = ε), mean over the batch: target = (1 − ε)·onehot + ε/classes,
/// loss_b = −Σ_c target_c·log softmax(z_b)_c = logsumexp(z_b) − Σ_c target_c·z_bc (Σ target = 1).
/// </summary>
public static class ReferenceSoftmaxCrossEntropy
{
    public static ReferenceSoftmaxCrossEntropyResult Forward(double[] logits, int[] labels, int batch, int classes, double labelSmoothing)
    {
        Check(logits, labels, batch, classes, labelSmoothing);
        var probabilities = new double[batch * classes];
        var losses = new double[batch];
        for (var b = 0; b < batch; b++)
        {
            var row = b * classes;
            var max = double.NegativeInfinity;
            for (var c = 0; c < classes; c++)
                max = Math.Max(max, logits[row + c]);
            var sum = 0.0;
            for (var c = 0; c < classes; c++)
                sum += Math.Exp(logits[row + c] - max);
            var logSumExp = max + Math.Log(sum);
            var targetDotLogits = 0.0;
            for (var c = 0; c < classes; c++)
            {
                probabilities[row + c] = Math.Exp(logits[row + c] - logSumExp);
                targetDotLogits += Target(c, labels[b], classes, labelSmoothing) * logits[row + c];
            }
            losses[b] = logSumExp - targetDotLogits;
        }
        return new ReferenceSoftmaxCrossEntropyResult(probabilities, losses, losses.Sum() / batch);
    }

    /// <summary>dLoss/dLogits = (softmax − target)/B for the batch-mean loss.</summary>
    public static double[] Backward(ReferenceSoftmaxCrossEntropyResult forward, int[] labels, int batch, int classes, double labelSmoothing)
    {
        Check(forward.Probabilities, labels, batch, classes, labelSmoothing);
        var dLogits = new double[batch * classes];
        for (var b = 0; b < batch; b++)
        {
            for (var c = 0; c < classes; c++)
                dLogits[b * classes + c] = (forward.Probabilities[b * classes + c] - Target(c, labels[b], classes, labelSmoothing)) / batch;
        }
        return dLogits;
    }

    /// <summary>The smoothed target probability of class <paramref name="c"/> for an image labelled <paramref name="label"/>.</summary>
    public static double Target(int c, int label, int classes, double labelSmoothing) =>
        (c == label ? 1.0 - labelSmoothing : 0.0) + labelSmoothing / classes;

    private static void Check(double[] logits, int[] labels, int batch, int classes, double labelSmoothing)
    {
        ReferenceChecks.Length(logits, (long)batch * classes, "cross-entropy logits");
        if (labels.Length != batch)
            throw new ArgumentException($"cross-entropy: {labels.Length} labels for a batch of {batch}");
        foreach (var label in labels)
        {
            if (label < 0 || label >= classes)
                throw new ArgumentException($"cross-entropy: label {label} outside [0, {classes})");
        }
        if (labelSmoothing is < 0 or > 1)
            throw new ArgumentException($"cross-entropy: label smoothing {labelSmoothing} outside [0, 1]");
    }
}

/// <summary>Softmax cross-entropy forward: probabilities [B, classes], per-image losses [B] and their mean.</summary>
public sealed record ReferenceSoftmaxCrossEntropyResult(double[] Probabilities, double[] Losses, double Loss);
