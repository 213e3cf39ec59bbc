namespace CrsIlgpu.Training.Trainer;

/// <summary>
/// One epoch: mean training loss and accuracy over its batches (with augmentation, as trained),
/// test loss and top-1 accuracy, the learning rate at its end, wall times and the pool's peak
/// allocation during the epoch's training steps (evaluation, at its own batch size, not included).
/// </summary>
public sealed record EpochMetrics(
    int Epoch,
    int GlobalStep,
    double TrainLoss,
    double TrainAccuracy,
    double TestLoss,
    double TestAccuracy,
    double LearningRate,
    double ImagesPerSecond,
    double TrainSeconds,
    double EvalSeconds,
    long PeakBytes) : RunMetrics(Epoch, GlobalStep);
