namespace CrsIlgpu.Training.Tests;

/// <summary>
/// Base of the tests that train or evaluate on the tiny generated CIFAR-10 (<see cref="TinyCifar"/>):
/// a temporary folder holding it under data/, deleted on dispose, and the trainer run on the CPU backend.
/// </summary>
public abstract class TinyCifarTests : IDisposable
{
    protected TinyCifarTests(int trainPerBatch, int test)
    {
        DataDir = Temp.CreateDirectory("data");
        TinyCifar.Write(DataDir, trainPerBatch, test);
    }

    protected TempFolder Temp { get; } = new();

    /// <summary>The --data folder: cifar-10-batches-bin/ with 5 × trainPerBatch train and test images.</summary>
    protected string DataDir { get; }

    /// <summary>The tiny ViT of <see cref="TinyCifar.WriteConfig"/> (written into the temporary folder).</summary>
    protected VitConfig TinyConfig() => VitConfig.FromJson(File.ReadAllText(TinyCifar.WriteConfig(Temp.Path)));

    /// <summary>The generated CIFAR-10's test split.</summary>
    protected CifarImages TestImages() => CifarDatasets.Load("cifar10", "test", DataDir);

    /// <summary>The evaluation's normalisation: the training split's channel statistics.</summary>
    protected Augmentation EvalNormalisation() => Augmentation.Eval(ChannelStats.Compute(CifarDatasets.Load("cifar10", "train", DataDir)));

    /// <summary>Trains (or with <paramref name="resume"/> continues) the run folder <paramref name="run"/> on the CPU backend.</summary>
    protected TrainingResult Train(TrainingOptions options, string run, bool resume = false,
        ITrainingObserver? observer = null, CancellationTokenSource? cancel = null,
        int checkpointEvery = CrsIlgpu.Training.Trainer.Trainer.DefaultCheckpointEvery)
    {
        using var device = TestDevices.Create("cpu");
        return new CrsIlgpu.Training.Trainer.Trainer(device, options, Temp.Combine(run), DataDir, observer) { CheckpointEvery = checkpointEvery }
            .Run(resume, cancel?.Token ?? TestContext.Current.CancellationToken);
    }

    public void Dispose()
    {
        Temp.Dispose();
        GC.SuppressFinalize(this);
    }
}
