using System.Text.Json.Serialization;

namespace CrsIlgpu.Training.Trainer;

/// <summary>
/// One epoch: mean training loss and accuracy over its batches (with augmentation, as trained),
/// test loss and top-1 accuracy, the learning rate at its end, wall times and the pool's peak
/// allocation during the epoch's training steps (evaluation, at its own batch size, not included;
/// its own peak is <see cref="EvalPeakBytes"/>). With the gradient probe, <see cref="TrainSeconds"/>
/// and <see cref="ImagesPerSecond"/> leave its time out; it is <see cref="ProbeSeconds"/>.
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
    long PeakBytes) : RunMetrics(Epoch, GlobalStep)
{
    /// <summary>The pool's peak during the epoch's evaluation (inference forward; weights, gradients and optimizer state included);
    /// 0 in metrics written before it was recorded.</summary>
    public long EvalPeakBytes { get; init; }

    /// <summary>The gradient probe's time in this epoch's steps; null (not written) without a probe.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? ProbeSeconds { get; init; }
}
