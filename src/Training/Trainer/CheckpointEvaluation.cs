using CrsIlgpu.Model.Checkpoint;
using CrsIlgpu.Training.Data;

namespace CrsIlgpu.Training.Trainer;

/// <summary>`crs eval`: a saved model on a dataset's test split, normalised as training normalised it (training-split statistics).</summary>
public static class CheckpointEvaluation
{
    /// <summary>A model folder (config.json + model.safetensors) given directly, or a run folder's last checkpoint.</summary>
    public static string ResolveFolder(string path)
    {
        if (File.Exists(ModelCheckpoint.ConfigPath(path)))
            return path;
        if (Directory.Exists(path) && TrainingCheckpoint.Find(path) is { } checkpoint)
            return checkpoint;
        throw new CrsException(Directory.Exists(path)
            ? $"--checkpoint: '{path}' holds neither {ModelCheckpoint.ConfigFileName} nor a run's {TrainingCheckpoint.FolderName}/"
            : $"--checkpoint: folder '{path}' not found");
    }

    /// <summary>The dataset the checkpoint was trained on, when it was trained here (trainer.json beside it).</summary>
    public static string? TrainedDataset(string folder) =>
        File.Exists(Path.Combine(folder, TrainingCheckpoint.StateFileName)) ? TrainingCheckpoint.ReadState(folder).Options.Dataset : null;

    public static EvaluationResult Run(DeviceContext device, string folder, string dataset, string dataDir,
        int batch, int limit = 0, Action<int, int>? progress = null)
    {
        if (batch < 1)
            throw new CrsException($"--batch must be positive, got {batch}");
        if (limit < 0)
            throw new CrsException($"--test-limit must be non-negative (0: the whole split), got {limit}");
        var test = CifarDatasets.Load(dataset, "test", dataDir);
        if (limit > 0)
            test = test.Subset(limit, 0);
        var config = ModelCheckpoint.ReadConfig(folder);
        if (config.NumClasses != test.Classes)
            throw new CrsException($"{ModelCheckpoint.ConfigPath(folder)}: the model has {config.NumClasses} classes, {dataset} has {test.Classes}");
        var stats = ChannelStats.Compute(CifarDatasets.Load(dataset, "train", dataDir));
        using var model = ModelCheckpoint.Load(folder, device);
        return Evaluator.Run(device, model, test, Augmentation.Eval(stats), batch, progress);
    }
}
