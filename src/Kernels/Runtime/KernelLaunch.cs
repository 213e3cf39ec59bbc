namespace CrsIlgpu.Kernels.Runtime;

/// <summary>One timed launch: start and duration in microseconds since the profiler started.</summary>
public sealed record KernelLaunch(string Kernel, string Phase, double StartUs, double DurationUs, double Flops, double Bytes);
