namespace CrsIlgpu.Training.Profiling;

/// <summary>One phase of a training step: launches and kernel time per step, and its share of the summed kernel time.</summary>
public sealed record PhaseTotal(string Phase, double LaunchesPerStep, double TotalUsPerStep, double SharePercent);
