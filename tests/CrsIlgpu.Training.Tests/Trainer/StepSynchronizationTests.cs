namespace CrsIlgpu.Training.Tests.Trainer;

/// <summary>
/// Issue 21 item 2: a training step on the kernel path waits for the device at most once (the
/// read-back of loss, hits and gradient norm) — with gradient clipping and the Cached policy's
/// gradient-norm cache, which used to add a wait for the norm and two per sampled layer.
/// </summary>
public sealed class StepSynchronizationTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    [Theory]
    [KernelPath]
    [InlineData(1.0, "cached")]
    [InlineData(0.5, "cached")]
    [InlineData(0.5, "deferred")]
    public void ATrainingStepWaitsForTheDeviceAtMostOnce(double ratio, string policy)
    {
        var data = _temp.CreateDirectory("data");
        TinyCifar.Write(data, trainPerBatch: 8, test: 4);
        var options = new TrainingOptions
        {
            Model = TinyCifar.WriteConfig(_temp.Path), Epochs = 1, Batch = 16, LearningRate = 3e-3, LogEvery = 1, Seed = 7,
            Ratio = ratio, Policy = policy, ClipNorm = 1.0,
        };
        using var device = TestDevices.Create("kernels");
        var perStep = new List<long>();
        var last = -1L;
        var observer = new Observer(_ =>
        {
            var now = device.Synchronizations;
            if (last >= 0)
                perStep.Add(now - last);
            last = now;
        });
        new CrsIlgpu.Training.Trainer.Trainer(device, options, _temp.Combine("run-" + ratio + policy), data, observer) { CheckpointEvery = 0 }
            .Run(cancel: TestContext.Current.CancellationToken);

        Assert.True(perStep.Count >= 2, $"too few steps measured ({perStep.Count})");
        Assert.All(perStep, syncs => Assert.Equal(1, syncs));
    }

    private sealed class Observer(Action<StepMetrics> onStep) : ITrainingObserver
    {
        public void StepDone(StepMetrics step) => onStep(step);
    }
}
