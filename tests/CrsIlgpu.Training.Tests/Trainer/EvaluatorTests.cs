namespace CrsIlgpu.Training.Tests.Trainer;

/// <summary>
/// The evaluation runs the inference forward: the same loss and accuracy as training forwards over the
/// same batches, its pool peak reported, nothing left allocated.
/// </summary>
public sealed class EvaluatorTests : TinyCifarTests
{
    private readonly CifarImages _test;
    private readonly Augmentation _augmentation;

    public EvaluatorTests() : base(trainPerBatch: 4, test: 20)
    {
        _test = TestImages();
        _augmentation = EvalNormalisation();
    }

    /// <summary>Image size 32 (no resize) and 48 (CIFAR upsampled on the device), patch 8, one block.</summary>
    [Theory]
    [InlineData(32)]
    [InlineData(48)]
    public void TheEvaluationMatchesTrainingForwardsAndReportsItsPeak(int imageSize)
    {
        var config = TinyConfig() with { ImageSize = imageSize };
        using var device = TestDevices.Create("cpu");
        using var model = new VisionTransformer(device, config);
        model.Parameters.Initialize(seed: 3);
        const int batch = 8;

        // What evaluation computed before the inference forward: Forward, then Release, per batch.
        var correct = new int[10];
        var total = new int[10];
        double loss = 0;
        var baseline = device.Pool.Allocated;
        device.Pool.ResetPeak();
        foreach (var b in new BatchLoader(_test, batch, _augmentation, seed: 0, shuffle: false)
            .Epoch(0, TestContext.Current.CancellationToken)
            .ToBlockingEnumerable(TestContext.Current.CancellationToken))
        {
            using var onDevice = new DeviceBatch(device, b, config.ImageSize);
            using var logits = model.Forward(onDevice.Images);
            model.Release();
            loss += Evaluator.Score(logits.ToArray(), b.Labels, 10, correct, total);
        }
        var trainingForwardPeak = device.Pool.PeakAllocated;

        var result = Evaluator.Run(device, model, _test, _augmentation, batch, cancel: TestContext.Current.CancellationToken);

        Assert.Equal(20, result.Images);
        Assert.Equal(loss / 20, result.Loss);
        Assert.Equal((double)correct.Sum() / 20, result.Accuracy);
        Assert.Equal(correct, result.CorrectPerClass);
        Assert.Equal(baseline, device.Pool.Allocated);
        Assert.InRange(result.PeakBytes, baseline + 1, trainingForwardPeak - 1);
    }
}
