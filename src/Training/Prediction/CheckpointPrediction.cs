using CrsIlgpu.Model.Checkpoint;
using CrsIlgpu.Training.Data;

namespace CrsIlgpu.Training.Prediction;

/// <summary>
/// `crs predict`: a saved model on image files, normalised as training and `crs eval` normalise for the
/// model's dataset (that dataset's training-split statistics, which is why its data must be present) and
/// labelled with that dataset's class names.
/// </summary>
public static class CheckpointPrediction
{
    public static PredictionResult Run(DeviceContext device, string folder, string dataset, string dataDir, IReadOnlyList<string> files, int top, int batch)
    {
        Predictor.CheckOptions(top, batch);
        var config = ModelCheckpoint.ReadConfig(folder);
        if (config.Channels != CifarImages.Channels)
            throw new CrsException($"{ModelCheckpoint.ConfigPath(folder)}: the model takes {config.Channels} channel(s); images are read as RGB");
        var train = CifarDatasets.Load(dataset, "train", dataDir);
        if (config.NumClasses != train.Classes)
            throw new CrsException($"{ModelCheckpoint.ConfigPath(folder)}: the model has {config.NumClasses} classes, {dataset} has {train.Classes} " +
                "(choose the model's dataset with --dataset)");
        var normalisation = Augmentation.Eval(ChannelStats.Compute(train));
        using var model = ModelCheckpoint.Load(folder, device);
        return Predictor.Run(device, model, files, normalisation, train.ClassNames, top, batch);
    }
}
