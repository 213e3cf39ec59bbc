namespace CrsIlgpu.Model.Tests;

/// <summary>
/// <see cref="VisionTransformer.Infer"/>: the training forward's logits bit for bit, with nothing kept
/// for backward, nothing sampled, a lower pool peak and nothing left allocated.
/// </summary>
public class InferenceTests(ITestOutputHelper output)
{
    private static readonly VitConfig Tiny = new()
    {
        Name = "test-tiny", ImageSize = 8, PatchSize = 4, Channels = 3, Dim = 8, Depth = 2, Heads = 2, NumClasses = 5,
    };

    private const int Batch = 3;

    /// <summary>Weights well away from init so every path carries signal.</summary>
    private static void SetRandomWeights(VisionTransformer model, int seed)
    {
        var random = new Random(seed);
        foreach (var p in model.Parameters.All)
        {
            var values = Enumerable.Range(0, (int)p.Value.Length)
                .Select(_ => (float)(random.NextDouble() - 0.5) + (p.Name.EndsWith("norm1.weight",
                    StringComparison.Ordinal) || p.Name.EndsWith("norm2.weight", StringComparison.Ordinal) || p.Name == "norm.weight" ? 1f : 0f))
                .ToArray();
            p.Value.CopyFrom(values);
        }
    }

    private static Tensor Images(DeviceContext device, VitConfig config, int batch, int seed)
    {
        var random = new Random(seed);
        var images = new Tensor(device.Pool, MemoryTag.Activations, "images", batch, config.Channels, config.ImageSize, config.ImageSize);
        images.CopyFrom(Enumerable.Range(0, (int)images.Length).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray());
        return images;
    }

    private static float[] TrainingForward(VisionTransformer model, Tensor images)
    {
        using var logits = model.Forward(images);
        var values = logits.ToArray();
        model.Release();
        return values;
    }

    [Theory]
    [KernelPath]
    [MemberData(nameof(TestDevices.Names), MemberType = typeof(TestDevices))]
    public void InferLogitsAreBitIdenticalToTheTrainingForward(string deviceName)
    {
        using var lease = SharedTestDevices.Lease(deviceName); // one context per collection on CUDA: nothing here needs a fresh one
        var device = lease.Device;
        using var model = new VisionTransformer(device, Tiny);
        SetRandomWeights(model, 5);
        using var images = Images(device, Tiny, Batch, 9);

        var trained = TrainingForward(model, images);
        float[] inferred;
        using (var logits = model.Infer(images))
            inferred = logits.ToArray();

        Assert.Equal(Batch * Tiny.NumClasses, inferred.Length);
        Assert.Equal(trained.Select(BitConverter.SingleToInt32Bits), inferred.Select(BitConverter.SingleToInt32Bits));
        Assert.Contains(inferred, v => v != 0f);
    }

    [Theory]
    [KernelPath]
    [MemberData(nameof(TestDevices.Names), MemberType = typeof(TestDevices))]
    public void InferKeepsNothingPeaksBelowTheTrainingForwardAndFreesEverything(string deviceName)
    {
        using var device = TestDevices.Create(deviceName);
        using var model = new VisionTransformer(device, Tiny);
        SetRandomWeights(model, 2);
        using var images = Images(device, Tiny, Batch, 4);
        var baseline = device.Pool.Allocated;

        device.Pool.ResetPeak();
        TrainingForward(model, images);
        var trainingPeak = device.Pool.PeakAllocated;
        Assert.Equal(baseline, device.Pool.Allocated);

        device.Pool.ResetPeak();
        using (model.Infer(images))
        {
            Assert.Equal(baseline + 4L * Batch * Tiny.NumClasses, device.Pool.Allocated); // the logits alone
        }
        var inferencePeak = device.Pool.PeakAllocated;
        Assert.Equal(baseline, device.Pool.Allocated);
        Assert.Equal(0, device.Pool.PeakBytes(MemoryTag.SavedForBackward));
        Assert.True(inferencePeak < trainingPeak, $"inference peak {inferencePeak} B, training forward peak {trainingPeak} B");
        output.WriteLine($"{deviceName}: above the weights, training forward {trainingPeak - baseline} B, inference {inferencePeak - baseline} B");
    }

    [Theory]
    [KernelPath]
    [InlineData("cpu", SamplingPolicy.Cached)]
    [InlineData("cpu", SamplingPolicy.Deferred)]
    [InlineData("kernels", SamplingPolicy.Cached)]
    public void ASampledModelInfersDenselyWithoutSelectingOrDrawing(string deviceName, SamplingPolicy policy)
    {
        using var device = TestDevices.Create(deviceName);
        var sampling = new WtaCrsConfig(WtaCrsConfig.PaperSites | SampledSite.Qkv, 0.4, policy, KMin: 1, Seed: 3);
        using var model = new VisionTransformer(device, Tiny, sampling, exampleSlots: policy == SamplingPolicy.Cached ? 8 : 0);
        SetRandomWeights(model, 7);
        using var images = Images(device, Tiny, Batch, 1);
        var baseline = device.Pool.Allocated;

        device.Profiler.Enabled = true;
        var trained = TrainingForward(model, images);
        var forwardSampling = SamplingLaunches(device);
        device.Profiler.Reset();
        var step = model.Sampling!.Step;
        device.Pool.ResetPeak();
        float[] inferred;
        using (var logits = model.Infer(images))
            inferred = logits.ToArray();

        Assert.Equal(trained.Select(BitConverter.SingleToInt32Bits), inferred.Select(BitConverter.SingleToInt32Bits));
        Assert.Empty(SamplingLaunches(device));
        if (policy == SamplingPolicy.Cached)
            Assert.NotEmpty(forwardSampling); // the training forward does select: the check above can fail
        Assert.Equal(step, model.Sampling.Step);
        Assert.Equal(0, device.Pool.PeakBytes(MemoryTag.SavedForBackward));
        Assert.Equal(baseline, device.Pool.Allocated);
    }

    private static List<string> SamplingLaunches(DeviceContext device) =>
        device.Profiler.Launches.Select(l => l.Kernel).Where(k => KernelCatalog.Find(k)?.Family == "Sampling").Distinct().ToList();

    /// <summary>
    /// The presets' peaks, planned (the pool's exact counters over a virtual allocator, nothing computed):
    /// inference against the training forward (everything saved for backward live) at the same batch.
    /// </summary>
    [Theory]
    [InlineData("vit-cifar-tiny", 128)]
    [InlineData("vit-b16", 64)]
    public void PlannedInferencePeakIsFarBelowTheTrainingForwardPeak(string preset, int batch)
    {
        var config = VitConfig.Resolve(preset);
        using var device = DeviceContext.CreatePlanner();
        using var model = new VisionTransformer(device, config);
        using var images = new Tensor(device.Pool, MemoryTag.Activations, "images", batch, config.Channels, config.ImageSize, config.ImageSize);
        var baseline = device.Pool.Allocated;

        device.Pool.ResetPeak();
        using (model.Forward(images))
            model.Release();
        var training = device.Pool.PeakAllocated - baseline;
        device.Pool.ResetPeak();
        using (model.Infer(images))
        {
        }
        var inference = device.Pool.PeakAllocated - baseline;

        Assert.Equal(baseline, device.Pool.Allocated);
        Assert.True(inference * 3 < training, $"inference {inference} B vs training forward {training} B");
        output.WriteLine($"{preset} batch {batch}: at the peak, above the weights, gradients and images ({ByteSize.Format(baseline)}): " +
            $"training forward {ByteSize.Format(training)}, inference {ByteSize.Format(inference)} ({(double)training / inference:F1}× less)");
    }
}
