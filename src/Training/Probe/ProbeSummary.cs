namespace CrsIlgpu.Training.Probe;

/// <summary>
/// What the gradient probe cost in one <c>crs train</c> process: probe steps, the probe's own time
/// (excluded from step times and images per second) against the training steps' time without it,
/// and the most device memory it held at once (the exact-gradient scratch, plus under the Cached
/// policy the full inputs kept for the exact gradients).
/// </summary>
public sealed record ProbeSummary(int ProbeSteps, double ProbeSeconds, int TrainedSteps, double StepSeconds, long PeakBytes)
{
    public double MillisecondsPerProbeStep => ProbeSteps > 0 ? 1000 * ProbeSeconds / ProbeSteps : 0;

    /// <summary>Mean step time without the probe's work.</summary>
    public double MillisecondsPerStep => TrainedSteps > 0 ? 1000 * StepSeconds / TrainedSteps : 0;
}
