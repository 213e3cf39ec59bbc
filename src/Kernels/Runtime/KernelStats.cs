namespace CrsIlgpu.Kernels.Runtime;

/// <summary>Per-kernel aggregate of the profiler's launches.</summary>
public sealed record KernelStats(
    string Kernel,
    int Launches,
    double TotalUs,
    double MeanUs,
    double MinUs,
    double Flops,
    double Bytes)
{
    /// <summary>GFLOP/s over the kernel's total time; null when the launcher declared no flops.</summary>
    public double? GflopsPerSecond => Flops > 0 && TotalUs > 0 ? Flops / (TotalUs * 1e3) : null;

    public double? GigabytesPerSecond => Bytes > 0 && TotalUs > 0 ? Bytes / (TotalUs * 1e3) : null;
}
