using CrsIlgpu.Kernels.Resize;
using CrsIlgpu.Model.Checkpoint;
using CrsIlgpu.Training.Memory;

namespace CrsIlgpu.Training.Tests.Trainer;

/// <summary>
/// Fine-tuning end to end on the CPU backend: a model whose input is not 32×32 trains on CIFAR resized
/// on the device, starting from a checkpoint of another class count and patch grid (--init).
/// </summary>
public sealed class FinetuneTrainingTests() : TinyCifarTests(trainPerBatch: 16, test: 20)
{

    /// <summary>48×48 input, patch 8: a 6×6 grid (the tiny CIFAR model's is 4×4).</summary>
    private static readonly VitConfig Larger = new() { Name = "tiny-48", ImageSize = 48, PatchSize = 8,
        Dim = 16, Depth = 1, Heads = 2, MlpRatio = 2, NumClasses = 10 };

    private sealed class Warnings : ITrainingObserver
    {
        public List<string> Lines { get; } = [];

        public void Warning(string message) => Lines.Add(message);
    }

    [Fact]
    public void ALargerModelTrainsFromAnInitCheckpointOfAnotherGridAndClassCount()
    {
        using var device = TestDevices.Create("cpu");
        var source = TinyConfig().WithClasses(5);
        var init = Temp.Combine("init");
        using (var model = new VisionTransformer(device, source))
        {
            model.Parameters.Initialize(3);
            ModelCheckpoint.Save(init, model);
        }
        var configPath = Temp.Combine("tiny-48.json");
        File.WriteAllText(configPath, Larger.ToJson());
        var options = new TrainingOptions { Model = configPath, Epochs = 1, Batch = 16, LearningRate = 1e-3, Seed = 7, Init = init };

        var warnings = new Warnings();
        device.Profiler.Enabled = true;
        var result = new CrsIlgpu.Training.Trainer.Trainer(device, options, Temp.Combine("run"), DataDir, warnings)
            .Run(cancel: TestContext.Current.CancellationToken);

        Assert.Equal(1, result.LastEpoch!.Epoch);
        Assert.True(double.IsFinite(result.LastEpoch.TrainLoss));
        Assert.Contains(warnings.Lines, w => w.StartsWith($"--init {init}: head re-initialised: the checkpoint has 5 classes, the model 10"));
        Assert.Contains(warnings.Lines, w => w.Contains("pos_embed resampled from a 4×4 to a 6×6 patch grid"));
        // Every training and evaluation batch went through the device resize: 5 + 1 batches.
        Assert.Equal(6, device.Profiler.Summary().Single(k => k.Kernel == ResizeKernels.Name).Launches);

        // --init is part of the run: a resume with another one is refused.
        var error = Assert.Throws<CrsException>(() =>
            new CrsIlgpu.Training.Trainer.Trainer(device, options with { Epochs = 2, Init = Temp.Combine("other") },
                Temp.Combine("run"), DataDir).Run(resume: true, cancel: TestContext.Current.CancellationToken));
        Assert.Contains("--init", error.Message);
    }

    [Fact]
    public void AnInitCheckpointOfAnotherWidthIsRefusedBeforeTraining()
    {
        using var device = TestDevices.Create("cpu");
        var init = Temp.Combine("wide");
        using (var model = new VisionTransformer(device, Larger with { Dim = 32, Heads = 2 }))
        {
            model.Parameters.Initialize(1);
            ModelCheckpoint.Save(init, model);
        }
        var configPath = Temp.Combine("tiny-48.json");
        File.WriteAllText(configPath, Larger.ToJson());
        var options = new TrainingOptions { Model = configPath, Epochs = 1, Batch = 16, Init = init };

        var error = Assert.Throws<CrsException>(() =>
            new CrsIlgpu.Training.Trainer.Trainer(device, options, Temp.Combine("run"), DataDir)
                .Run(cancel: TestContext.Current.CancellationToken));

        Assert.Contains("'cls_token' has shape [1, 1, 32], the model expects [1, 1, 16]", error.Message);
        Assert.DoesNotContain("at CrsIlgpu", error.Message);
    }

    [Fact]
    public void AStepMeasurementResizesACifarBatchOnTheDevice()
    {
        using var device = TestDevices.Create("cpu");
        device.Profiler.Enabled = true;
        StepMemory.Measure(device, Larger, 2);
        Assert.Equal(1, device.Profiler.Summary().Single(k => k.Kernel == ResizeKernels.Name).Launches);
    }
}
