using CrsIlgpu.Model;
using CrsIlgpu.Training.Data;

namespace CrsIlgpu.Training.Trainer;

/// <summary>
/// Inference passes over a split (no augmentation, no backward, <see cref="VisionTransformer.Infer"/>:
/// nothing saved, nothing sampled): loss, top-1 and per-class accuracy, and the pool's peak meanwhile.
/// </summary>
public static class Evaluator
{
    /// <summary>Starts a new peak window on the device's pool: the result's peak is this evaluation's
    /// (with whatever else was live: weights, and in training the gradients and optimizer state).</summary>
    public static EvaluationResult Run(DeviceContext device, VisionTransformer model, CifarImages data, Augmentation augmentation, int batchSize,
        Action<int, int>? progress = null, CancellationToken cancel = default)
    {
        if (data.Classes != model.Config.NumClasses)
            throw new CrsException($"{data.Source}: {data.Classes} classes, but the model's head has {model.Config.NumClasses}");
        var loader = new BatchLoader(data, batchSize, augmentation, seed: 0, shuffle: false);
        var correct = new int[data.Classes];
        var total = new int[data.Classes];
        double lossSum = 0;
        var done = 0;
        device.Pool.ResetPeak();
        foreach (var batch in loader.Epoch(0, cancel).ToBlockingEnumerable(cancel))
        {
            float[] logits;
            using (var onDevice = new DeviceBatch(device, batch, model.Config.ImageSize))
            using (var output = model.Infer(onDevice.Images))
                logits = output.ToArray();
            lossSum += Score(logits, batch.Labels, data.Classes, correct, total);
            done++;
            progress?.Invoke(done, loader.BatchesPerEpoch);
        }
        var images = total.Sum();
        return new EvaluationResult(images == 0 ? double.NaN : lossSum / images, images == 0 ? double.NaN : (double)correct.Sum() / images,
            data.ClassNames, correct, total) { PeakBytes = device.Pool.PeakAllocated };
    }

    /// <summary>The predicted class of one row of logits (the first of equal maxima).</summary>
    public static int ArgMax(ReadOnlySpan<float> row)
    {
        var best = 0;
        for (var c = 1; c < row.Length; c++)
        {
            if (row[c] > row[best])
                best = c;
        }
        return best;
    }

    /// <summary>Adds one batch's top-1 hits per class; returns its summed cross-entropy (double, on the host).</summary>
    public static double Score(ReadOnlySpan<float> logits, IReadOnlyList<int> labels, int classes, int[] correct, int[] total)
    {
        double loss = 0;
        for (var i = 0; i < labels.Count; i++)
        {
            var row = logits.Slice(i * classes, classes);
            var best = ArgMax(row);
            double sum = 0;
            for (var c = 0; c < classes; c++)
                sum += Math.Exp(row[c] - row[best]);
            loss += Math.Log(sum) - (row[labels[i]] - row[best]);
            total[labels[i]]++;
            if (best == labels[i])
                correct[labels[i]]++;
        }
        return loss;
    }
}
