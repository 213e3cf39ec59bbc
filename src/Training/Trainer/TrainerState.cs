namespace CrsIlgpu.Training.Trainer;

/// <summary>
/// The counters that, with the options, pin down where a run stands: completed epochs, updates made,
/// and the WTA-CRS step that keys the sampling RNG. The data order and augmentation are pure
/// functions of (seed, epoch, batch), so no random-generator state needs saving beyond these.
/// A step checkpoint (mid-epoch) also records how many batches of epoch <see cref="EpochsDone"/> + 1
/// are done and that epoch's running sums, so the resumed epoch reports the same means.
/// </summary>
public sealed record TrainerState(int EpochsDone, int GlobalStep, int OptimizerStep, ulong SamplingStep, TrainingOptions Options)
{
    public const int CurrentFormat = 1;

    public int Format { get; init; } = CurrentFormat;

    /// <summary>Batches of the next epoch already trained; 0 for a checkpoint at an epoch's end.</summary>
    public int StepsInEpoch { get; init; }

    /// <summary>The running sums of that partial epoch (zero at an epoch's end).</summary>
    public RunningMeans EpochSoFar { get; init; }

    /// <summary>Where the checkpoint stands, for messages: "epoch 2" (its end) or "epoch 3, step 40".</summary>
    public string Describe() => StepsInEpoch == 0 ? $"epoch {EpochsDone}" : $"epoch {EpochsDone + 1}, step {StepsInEpoch}";
}
