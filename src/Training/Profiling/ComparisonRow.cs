namespace CrsIlgpu.Training.Profiling;

/// <summary>
/// One line of a side-by-side comparison: a kernel in a phase, or a phase total (<see cref="Kernel"/>
/// null), or a step total (<see cref="Phase"/> "step"); microseconds per step in the first and second
/// profile and their difference (second − first: negative is a saving).
/// </summary>
public sealed record ComparisonRow(string Phase, string? Kernel, double FirstUs, double SecondUs)
{
    public double DifferenceUs => SecondUs - FirstUs;
}
