using CrsIlgpu.Model;
using CrsIlgpu.Training.Data;

namespace CrsIlgpu.Training.Prediction;

/// <summary>
/// Class probabilities of image files: decoded and prepared a batch at a time (<see cref="PredictionBatch"/>),
/// the inference forward (<see cref="VisionTransformer.Infer"/>), softmax on the host in double.
/// </summary>
public static class Predictor
{
    /// <summary>Starts a new peak window on the device's pool: the result's peak is this prediction's (weights included).</summary>
    public static PredictionResult Run(DeviceContext device, VisionTransformer model, IReadOnlyList<string> files, Augmentation normalisation,
        IReadOnlyList<string> classNames, int top, int batchSize)
    {
        CheckOptions(top, batchSize);
        var classes = model.Config.NumClasses;
        if (classNames.Count != classes)
            throw new CrsException($"{classNames.Count} class names for a head of {classes} classes");
        device.Pool.ResetPeak();
        var predictions = new List<ImagePrediction>(files.Count);
        for (var start = 0; start < files.Count; start += batchSize)
        {
            var chunk = files.Skip(start).Take(batchSize).ToList();
            var decoded = new ImageFile?[chunk.Count];
            var errors = new string?[chunk.Count];
            Parallel.For(0, chunk.Count, CpuThreads.Options, i => decoded[i] = ImageFile.TryRead(chunk[i], out errors[i]));
            var bad = Array.FindIndex(decoded, d => d is null);
            if (bad >= 0) // checked readable up front (PredictionInputs.CheckReadable): the file changed since
                throw new CrsException($"{chunk[bad]}: {errors[bad]}; expected a JPEG or PNG image");
            var images = decoded.Select(d => d!).ToArray();
            float[] logits;
            using (var batch = PredictionBatch.Upload(device, images, normalisation, model.Config.ImageSize))
            using (var output = model.Infer(batch))
                logits = output.ToArray();
            for (var i = 0; i < images.Length; i++)
                predictions.Add(new ImagePrediction(images[i].Path, images[i].Width, images[i].Height,
                    Top(logits.AsSpan(i * classes, classes), classNames, top)));
        }
        return new PredictionResult(predictions, classNames, model.Config.ImageSize, device.Pool.PeakAllocated);
    }

    /// <summary>--top and --batch as `crs predict` takes them: one error line each, before anything is read.</summary>
    public static void CheckOptions(int top, int batchSize)
    {
        if (top < 1)
            throw new CrsException($"--top must be at least 1 (classes per image), got {top}");
        if (batchSize < 1)
            throw new CrsException($"--batch must be positive, got {batchSize}");
    }

    /// <summary>The <paramref name="top"/> most probable classes (at most all of them) of one row of logits,
    /// most probable first; ties keep class order.</summary>
    public static IReadOnlyList<ClassProbability> Top(ReadOnlySpan<float> logits, IReadOnlyList<string> classNames, int top)
    {
        var probabilities = Softmax(logits);
        return Enumerable.Range(0, probabilities.Length)
            .OrderByDescending(c => probabilities[c]).ThenBy(c => c)
            .Take(Math.Min(top, probabilities.Length))
            .Select(c => new ClassProbability(c, classNames[c], probabilities[c]))
            .ToList();
    }

    /// <summary>softmax in double, shifted by the largest logit.</summary>
    public static double[] Softmax(ReadOnlySpan<float> logits)
    {
        var max = double.NegativeInfinity;
        foreach (var v in logits)
            max = Math.Max(max, v);
        var result = new double[logits.Length];
        double sum = 0;
        for (var c = 0; c < logits.Length; c++)
            sum += result[c] = Math.Exp(logits[c] - max);
        for (var c = 0; c < logits.Length; c++)
            result[c] /= sum;
        return result;
    }
}
