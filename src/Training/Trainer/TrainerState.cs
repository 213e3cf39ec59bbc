namespace CrsIlgpu.Training.Trainer;

/// <summary>
/// The counters that, with the options, pin down where a run stands: completed epochs, updates made,
/// and the WTA-CRS step that keys the sampling RNG. The data order and augmentation are pure
/// functions of (seed, epoch, batch), so no random-generator state needs saving beyond these.
/// </summary>
public sealed record TrainerState(int EpochsDone, int GlobalStep, int OptimizerStep, ulong SamplingStep, TrainingOptions Options)
{
    public const int CurrentFormat = 1;

    public int Format { get; init; } = CurrentFormat;
}
