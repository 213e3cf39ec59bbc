namespace CrsIlgpu.Training.Trainer;

/// <summary>How a run ended: its last epoch's metrics, the final evaluation, and where its files are.</summary>
public sealed record TrainingResult(
    string RunDirectory,
    EpochMetrics? LastEpoch,
    EvaluationResult? Evaluation,
    string? Checkpoint,
    IReadOnlyList<string> Plots,
    long PeakBytes)
{
    /// <summary>The gradient probe's cost in this process; null without a probe.</summary>
    public Probe.ProbeSummary? Probe { get; init; }
}
