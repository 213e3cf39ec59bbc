namespace CrsIlgpu.Kernels.Loss;

/// <summary>
/// Plain C# softmax cross-entropy with label smoothing (double accumulation), written as the
/// definition −Σ_j t_j·log softmax(x)_j with t = (1 − ε)·onehot + ε/C, as PyTorch's
/// CrossEntropyLoss(label_smoothing = ε). Out-of-range labels give a NaN loss and a zero gradient.
/// </summary>
public static class LossReference
{
    public static void ForwardBackward(
        ReadOnlySpan<float> logits, ReadOnlySpan<int> labels, Span<float> losses, Span<float> dlogits,
        int classes, float smoothing, float gradScale)
    {
        var rows = labels.Length;
        var target = new double[classes];
        var logP = new double[classes];
        for (var r = 0; r < rows; r++)
        {
            var x = logits.Slice(r * classes, classes);
            var d = dlogits.Slice(r * classes, classes);
            var label = labels[r];
            if (label < 0 || label >= classes)
            {
                losses[r] = float.NaN;
                d.Clear();
                continue;
            }
            var max = double.NegativeInfinity;
            for (var j = 0; j < classes; j++)
                max = Math.Max(max, x[j]);
            var sum = 0.0;
            for (var j = 0; j < classes; j++)
                sum += Math.Exp(x[j] - max);
            var logSum = Math.Log(sum);
            for (var j = 0; j < classes; j++)
            {
                logP[j] = x[j] - max - logSum;
                target[j] = smoothing / (double)classes + (j == label ? 1.0 - smoothing : 0.0);
            }
            var loss = 0.0;
            for (var j = 0; j < classes; j++)
                loss -= target[j] * logP[j];
            losses[r] = (float)loss;
            for (var j = 0; j < classes; j++)
                d[j] = (float)((Math.Exp(logP[j]) - target[j]) * gradScale);
        }
    }

    public static float Mean(ReadOnlySpan<float> losses)
    {
        var sum = 0.0;
        foreach (var l in losses)
            sum += l;
        return (float)(sum / losses.Length);
    }
}
