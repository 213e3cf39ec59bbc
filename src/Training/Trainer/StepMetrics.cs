using System.Text.Json.Serialization;

namespace CrsIlgpu.Training.Trainer;

/// <summary>
/// One update: its mean loss and batch accuracy, the learning rate used, the gradient norm before
/// clipping (NaN when not clipping), throughput and the pool's peak so far. Epoch is 1-based; Step
/// counts batches within the epoch from 1. <see cref="EpochLoss"/> and <see cref="EpochAccuracy"/>
/// are the running means over the epoch's batches so far (one batch's figures are noisy).
/// On a gradient-probe step <see cref="ProbeMs"/> is the probe's time, which
/// <see cref="ImagesPerSecond"/> leaves out.
/// </summary>
public sealed record StepMetrics(
    int Epoch,
    int Step,
    int GlobalStep,
    double Loss,
    double Accuracy,
    double LearningRate,
    double GradNorm,
    double ImagesPerSecond,
    long PeakBytes) : RunMetrics(Epoch, GlobalStep)
{
    public double EpochLoss { get; init; } = double.NaN;

    public double EpochAccuracy { get; init; } = double.NaN;

    /// <summary>The gradient probe's own time in this step (ms); null (not written) on steps it did not probe.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? ProbeMs { get; init; }
}
