using CrsIlgpu.Model.Checkpoint;

namespace CrsIlgpu.Training.Tests.Trainer;

/// <summary>The trainer's bookkeeping on a tiny generated CIFAR-10 (80 train / 20 test images) and a one-block ViT, on the CPU backend.</summary>
public sealed class TrainerTests : TinyCifarTests
{
    private readonly TrainingOptions _options;

    public TrainerTests() : base(trainPerBatch: 16, test: 20)
    {
        _options = new TrainingOptions { Model = TinyCifar.WriteConfig(Temp.Path), Epochs = 2, Batch = 16, LearningRate = 3e-3, LogEvery = 1, Seed = 7 };
    }

    private void AssertSameRun(string expected, string actual)
    {
        foreach (var file in new[] { ModelCheckpoint.WeightsFileName, TrainingCheckpoint.OptimizerFileName })
        {
            Assert.Equal(File.ReadAllBytes(Path.Combine(Temp.Combine(expected), TrainingCheckpoint.FolderName, file)),
                File.ReadAllBytes(Path.Combine(Temp.Combine(actual), TrainingCheckpoint.FolderName, file)));
        }
        Assert.Equal(MetricsLog.Read(Temp.Combine(expected)).Select(Untimed), MetricsLog.Read(Temp.Combine(actual)).Select(Untimed));
    }

    [Theory]
    [InlineData(1.0, "cached")]
    [InlineData(0.5, "cached")]
    public void AStopMidEpochCheckpointsThatStepAndTheResumeEndsBitIdentical(double ratio, string policy)
    {
        var options = _options with { Ratio = ratio, Policy = policy };
        Train(options, "straight");

        using var cancel = new CancellationTokenSource();
        var stopInEpochTwo = new Observer { OnStep = s => { if (s.Epoch == 2 && s.Step == 2) cancel.Cancel(); } };
        Assert.ThrowsAny<OperationCanceledException>(() => Train(options, "stopped", observer: stopInEpochTwo, cancel: cancel));
        var state = TrainingCheckpoint.ReadState(TrainingCheckpoint.PathIn(Temp.Combine("stopped")));
        Assert.Equal((1, 2, 7, 7), (state.EpochsDone, state.StepsInEpoch, state.GlobalStep, state.OptimizerStep)); // the stop kept step 2 of epoch 2
        Assert.Equal(32, state.EpochSoFar.Seen);

        var result = Train(CrsIlgpu.Training.Trainer.Trainer.Defaults with { Epochs = 0 }, "stopped", resume: true);
        Assert.Equal(2, result.LastEpoch!.Epoch);
        AssertSameRun("straight", "stopped");
    }

    [Fact]
    public void StepCheckpointsLandEveryNUpdatesAndResumeMidEpochBitIdentically()
    {
        // 5 steps per epoch, a checkpoint every 3 updates: at update 3 (epoch 1, step 3), 6 (epoch 2, step 1), 9 (epoch 2, step 4).
        var copied = new List<TrainerState>();
        var copyAfterStepCheckpoint = new Observer
        {
            OnStep = s =>
            {
                if (s.GlobalStep is 4 or 7)
                {
                    var copy = $"copy{s.GlobalStep}";
                    CopyFolder(Temp.Combine("straight"), Temp.Combine(copy));
                    copied.Add(TrainingCheckpoint.ReadState(TrainingCheckpoint.PathIn(Temp.Combine(copy))));
                }
            },
        };
        Train(_options, "straight", observer: copyAfterStepCheckpoint, checkpointEvery: 3);
        Assert.Equal([(0, 3, 3), (1, 1, 6)], copied.Select(c => (c.EpochsDone, c.StepsInEpoch, c.GlobalStep)));
        foreach (var copy in new[] { "copy4", "copy7" })
        {
            Train(CrsIlgpu.Training.Trainer.Trainer.Defaults with { Epochs = 0 }, copy, resume: true, checkpointEvery: 3);
            AssertSameRun("straight", copy);
        }
    }

    private static void CopyFolder(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from))
            File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
        foreach (var dir in Directory.GetDirectories(from))
            CopyFolder(dir, Path.Combine(to, Path.GetFileName(dir)));
    }

    [Theory]
    [InlineData(1.0, "cached")]
    [InlineData(0.5, "cached")]
    [InlineData(0.5, "deferred")]
    public void InterruptedAndResumedRunEndsBitIdenticalToAnUninterruptedOne(double ratio, string policy)
    {
        var options = _options with { Ratio = ratio, Policy = policy };
        Train(options, "straight");

        using var cancel = new CancellationTokenSource();
        var stopAfterFirstEpoch = new Observer { OnEpoch = (e, _) => { if (e.Epoch == 1) cancel.Cancel(); } };
        Assert.ThrowsAny<OperationCanceledException>(() => Train(options, "resumed", observer: stopAfterFirstEpoch, cancel: cancel));
        Assert.Equal(1, TrainingCheckpoint.ReadState(TrainingCheckpoint.PathIn(Temp.Combine("resumed"))).EpochsDone);
        var result = Train(CrsIlgpu.Training.Trainer.Trainer.Defaults with { Epochs = 0 }, "resumed", resume: true);

        Assert.Equal(2, result.LastEpoch!.Epoch);
        foreach (var file in new[] { ModelCheckpoint.WeightsFileName, TrainingCheckpoint.OptimizerFileName })
        {
            Assert.Equal(File.ReadAllBytes(Path.Combine(Temp.Combine("straight"), TrainingCheckpoint.FolderName, file)),
                File.ReadAllBytes(Path.Combine(Temp.Combine("resumed"), TrainingCheckpoint.FolderName, file)));
        }
        var straight = MetricsLog.Read(Temp.Combine("straight"));
        var resumed = MetricsLog.Read(Temp.Combine("resumed"));
        Assert.Equal(straight.Select(Untimed), resumed.Select(Untimed));
        if (ratio < 1 && policy == "cached")
        {
            var caches = SafetensorsFile.Read(Path.Combine(Temp.Combine("resumed"), TrainingCheckpoint.FolderName, TrainingCheckpoint.OptimizerFileName))
                .Tensors.Keys.Count(k => k.StartsWith("gradnorm_cache/", StringComparison.Ordinal));
            Assert.True(caches > 0, "the Cached policy's gradient-norm caches belong in the checkpoint");
        }
    }

    /// <summary>Metrics without the wall-clock fields, which differ between any two runs.</summary>
    private static RunMetrics Untimed(RunMetrics m) => m switch
    {
        StepMetrics s => s with { ImagesPerSecond = 0, PeakBytes = 0 },
        EpochMetrics e => e with { ImagesPerSecond = 0, TrainSeconds = 0, EvalSeconds = 0, PeakBytes = 0 },
        _ => m,
    };

    [Fact]
    public void BookkeepingCountsStepsEpochsAndFollowsTheSchedule()
    {
        var result = Train(_options with { Epochs = 3, WarmupFraction = 0.2 }, "run");
        var records = MetricsLog.Read(Temp.Combine("run"));
        var steps = records.OfType<StepMetrics>().ToList();
        var epochs = records.OfType<EpochMetrics>().ToList();
        Assert.Equal(15, steps.Count); // 80 images / 16 = 5 steps × 3 epochs, each logged
        Assert.Equal(Enumerable.Range(1, 15), steps.Select(s => s.GlobalStep));
        Assert.Equal([1, 2, 3], epochs.Select(e => e.Epoch));
        Assert.Equal([5, 10, 15], epochs.Select(e => e.GlobalStep));
        Assert.Equal(3e-3 / 3, steps[0].LearningRate, 12); // warm-up: 3 of 15 updates
        Assert.Equal(0, steps[^1].LearningRate, 12); // cosine to --min-lr 0
        Assert.All(steps, s => Assert.True(s.GradNorm > 0 && double.IsFinite(s.GradNorm)));
        Assert.All(epochs, e => Assert.InRange(e.TestAccuracy, 0, 1));
        Assert.Equal(20, result.Evaluation!.Images);
        Assert.Equal(result.Evaluation.Accuracy, epochs[^1].TestAccuracy);
        Assert.Equal(3, TrainingCheckpoint.ReadState(result.Checkpoint!).EpochsDone);
        Assert.Equal(15, TrainingCheckpoint.ReadState(result.Checkpoint!).OptimizerStep);
        Assert.Equal(4, File.ReadAllLines(Path.Combine(Temp.Combine("run"), MetricsLog.CsvFileName)).Length);
        foreach (var plot in result.Plots)
            Assert.True(new FileInfo(plot).Length > 1000, plot);
    }

    [Fact]
    public void LearnsTheTintedClasses()
    {
        var result = Train(_options with { Epochs = 12, LearningRate = 3e-3 }, "learn");
        var epochs = MetricsLog.Read(Temp.Combine("learn")).OfType<EpochMetrics>().ToList();
        Assert.True(epochs[^1].TrainLoss < 0.75 * epochs[0].TrainLoss, $"train loss {epochs[0].TrainLoss} → {epochs[^1].TrainLoss}");
        Assert.True(result.LastEpoch!.TestAccuracy >= 0.3, $"test accuracy {result.LastEpoch.TestAccuracy} (chance 0.1)");
    }

    [Fact]
    public void ANonFiniteLossStopsTheRunAndKeepsTheLastGoodCheckpoint()
    {
        CrsIlgpu.Training.Trainer.Trainer? trainer = null;
        var poison = new Observer
        {
            OnStep = s =>
            {
                if (s.Epoch == 2 && s.Step == 2)
                {
                    var head = trainer!.Model!.Parameters["head.weight"];
                    head.Value.CopyFrom(Enumerable.Repeat(float.NaN, (int)head.Value.Length).ToArray());
                }
            },
        };
        using var device = TestDevices.Create("cpu");
        trainer = new CrsIlgpu.Training.Trainer.Trainer(device, _options, Temp.Combine("nan"), DataDir, poison);
        var ex = Assert.Throws<TrainingDivergedException>(() => trainer.Run(cancel: TestContext.Current.CancellationToken));
        Assert.Contains("epoch 2, step 3", ex.Message);
        Assert.Contains("(epoch 1)", ex.Message);
        Assert.Equal(TrainingDivergedException.ExitCodeValue, ex.ExitCode);
        var checkpoint = TrainingCheckpoint.Find(Temp.Combine("nan"))!;
        Assert.Equal(1, TrainingCheckpoint.ReadState(checkpoint).EpochsDone);
        var weights = SafetensorsFile.Read(ModelCheckpoint.WeightsPath(checkpoint));
        Assert.All(weights.Tensors.Values, t => Assert.All(t.Data, v => Assert.True(float.IsFinite(v))));
    }

    [Fact]
    public void ARunFolderIsNotOverwrittenAndAResumeKeepsItsSettings()
    {
        Train(_options with { Epochs = 1 }, "once");
        var again = Assert.Throws<CrsException>(() => Train(_options with { Epochs = 1 }, "once"));
        Assert.Contains("--resume", again.Message);
        var other = Assert.Throws<CrsException>(() => Train(_options with { Epochs = 2, LearningRate = 1e-2 }, "once", resume: true));
        Assert.Contains("--lr: ", other.Message); // named as the user types it
        var missing = Assert.Throws<CrsException>(() => Train(_options, "never-trained", resume: true));
        Assert.Contains("no checkpoint", missing.Message);
        // More epochs on resume: trains only the new one.
        var longer = Train(CrsIlgpu.Training.Trainer.Trainer.Defaults with { Epochs = 2 }, "once", resume: true);
        Assert.Equal(2, longer.LastEpoch!.Epoch);
        Assert.Equal(2, MetricsLog.Read(Temp.Combine("once")).OfType<EpochMetrics>().Count());
    }

    [Fact]
    public void AnInterruptedCheckpointSwapFallsBackToThePreviousCheckpoint()
    {
        var result = Train(_options with { Epochs = 1 }, "swap");
        var folder = result.Checkpoint!;
        Directory.Move(folder, folder + ".prev"); // as if the process died between the two renames
        Directory.CreateDirectory(folder + ".tmp-12345"); // and left a half-written new one
        Assert.Equal(folder + ".prev", TrainingCheckpoint.Find(Temp.Combine("swap")));
        var resumed = Train(CrsIlgpu.Training.Trainer.Trainer.Defaults with { Epochs = 2 }, "swap", resume: true);
        Assert.Equal(folder, resumed.Checkpoint);
        Assert.False(Directory.Exists(folder + ".prev"));
    }

    [Fact]
    public void BadOptionsAreOneLineErrors()
    {
        Assert.Contains("--batch", Assert.Throws<CrsException>(() => Train(_options with { Batch = 0 }, "bad")).Message);
        Assert.Contains("--ratio", Assert.Throws<CrsException>(() => Train(_options with { Ratio = 1.5 }, "bad")).Message);
        Assert.Contains("--dataset", Assert.Throws<CrsException>(() => Train(_options with { Dataset = "mnist" }, "bad")).Message);
        var gray = Temp.Combine("gray.json");
        File.WriteAllText(gray, File.ReadAllText(_options.Model).Replace("\"channels\": 3", "\"channels\": 1"));
        Assert.Contains("1 channel(s)", Assert.Throws<CrsException>(() => Train(_options with { Model = gray }, "bad")).Message);
        Assert.Contains("CIFAR-100 not found", Assert.Throws<CrsException>(() => Train(_options with { Dataset = "cifar100" }, "bad")).Message);
        Assert.False(Directory.Exists(Path.Combine(Temp.Combine("bad"), TrainingCheckpoint.FolderName)));
    }

    private sealed class Observer : ITrainingObserver
    {
        public Action<StepMetrics>? OnStep { get; init; }

        public Action<EpochMetrics, string>? OnEpoch { get; init; }

        public void StepDone(StepMetrics step) => OnStep?.Invoke(step);

        public void EpochDone(EpochMetrics epoch, string checkpoint) => OnEpoch?.Invoke(epoch, checkpoint);
    }
}
