using CrsIlgpu.Model;

namespace CrsIlgpu.Training.Trainer;

/// <summary>What a run is about to do, for its progress display.</summary>
public sealed record TrainingPlan(
    TrainingOptions Options,
    VitConfig Config,
    long ParameterCount,
    string Device,
    string Sampling,
    int TrainImages,
    int TestImages,
    int StepsPerEpoch,
    int StartEpoch,
    string RunDirectory)
{
    /// <summary>Batches of epoch <see cref="StartEpoch"/> + 1 a mid-epoch resume skips (already trained).</summary>
    public int StartStep { get; init; }

    /// <summary>Planned pool peak of one training step on the GPU kernel path (<c>crs memory --plan</c>); 0 when not planned
    /// (on a resume: the run's first start printed it, with the same settings).</summary>
    public long PlannedStepBytes { get; init; }
}
