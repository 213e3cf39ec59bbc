namespace CrsIlgpu.Kernels.Bench;

/// <summary>One implementation of one op at one shape, timed after warm-up.</summary>
public sealed record BenchRow(
    string Op,
    string Shape,
    string Implementation,
    int Repeats,
    double MeanMs,
    double MinMs,
    double? Gflops,
    double? GBps);
