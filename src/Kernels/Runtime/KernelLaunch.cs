namespace CrsIlgpu.Kernels.Runtime;

/// <summary>
/// One timed launch: start and duration in microseconds since the profiler started, the declared
/// work, and the grid's groups where the launcher declared them (0: not declared).
/// </summary>
public sealed record KernelLaunch(string Kernel, string Phase, double StartUs, double DurationUs, double Flops, double Bytes, long Groups = 0);
