namespace CrsIlgpu.Kernels.Bench;

/// <summary>Throughput of <see cref="Implementation"/> over that of <see cref="Baseline"/> (baseline time / implementation time), same run.</summary>
public sealed record BenchRatio(string Op, string Shape, string Implementation, string Baseline, double Ratio);
