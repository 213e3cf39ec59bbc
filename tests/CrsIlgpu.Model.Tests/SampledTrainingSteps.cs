namespace CrsIlgpu.Model.Tests;

/// <summary>Training steps of a tiny ViT with fixed weights and inputs, for comparing sampled gradients with dense ones.</summary>
internal static class SampledTrainingSteps
{
    /// <summary>B·5 tokens (4 patches + class), D = 8, 2 heads, 2 blocks.</summary>
    public static readonly VitConfig Tiny = new()
    {
        Name = "test-tiny", ImageSize = 8, PatchSize = 4, Channels = 3, Dim = 8, Depth = 2, Heads = 2, NumClasses = 5,
    };

    /// <summary>
    /// Loss, logits and every gradient (the mean over <paramref name="steps"/> steps, each drawing fresh
    /// rows) of the same batch with the given sampling (null: dense).
    /// </summary>
    public static (float Loss, float[] Logits, Dictionary<string, float[]> Grads) Run(
        DeviceContext device, WtaCrsConfig? sampling, int batch, int steps = 1, bool exampleIds = false, MemorySavers? savers = null)
    {
        using var model = new VisionTransformer(device, Tiny, sampling, exampleSlots: exampleIds ? batch : 0, savers: savers);
        var examples = Enumerable.Range(0, batch).Reverse().ToArray();
        var random = new Random(5);
        foreach (var p in model.Parameters.All)
            p.Value.CopyFrom(Enumerable.Range(0,
                (int)p.Value.Length).Select(_ => (float)(random.NextDouble() - 0.5) + (p.Shape.Init == ParameterInit.Ones ? 1f : 0f)).ToArray());
        using var images = new Tensor(device.Pool, MemoryTag.Activations, "images", batch, 3, 8, 8);
        images.CopyFrom(Enumerable.Range(0, (int)images.Length).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray());
        using var labels = new IntTensor(device.Pool, batch);
        labels.CopyFrom(Enumerable.Range(0, batch).Select(i => i % 5).ToArray());
        var logits = new float[batch * 5];
        float loss = 0;
        Dictionary<string, float[]>? sum = null;
        for (var s = 0; s < steps; s++)
        {
            loss = model.ForwardBackward(images, labels, 0f, logits, examples: exampleIds ? examples : null);
            var grads = model.Parameters.GradientsToHost();
            if (sum is null)
                sum = grads;
            else
                foreach (var (name, g) in grads)
                    for (var i = 0; i < g.Length; i++)
                        sum[name][i] += g[i];
        }
        foreach (var g in sum!.Values)
            for (var i = 0; i < g.Length; i++)
                g[i] /= steps;
        return (loss, logits, sum);
    }

    public static double RelativeError(float[] expected, float[] actual)
    {
        double diff = 0, norm = 0;
        for (var i = 0; i < expected.Length; i++)
        {
            diff += Math.Pow(expected[i] - actual[i], 2);
            norm += Math.Pow(expected[i], 2);
        }
        return Math.Sqrt(diff / norm);
    }
}
