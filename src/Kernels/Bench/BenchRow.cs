using System.Text.Json.Serialization;

namespace CrsIlgpu.Kernels.Bench;

/// <summary>One implementation of one op at one shape, timed after warm-up.</summary>
public sealed record BenchRow(
    string Op,
    string Shape,
    string Implementation,
    int Repeats,
    double MeanMs,
    double MinMs,
    [property: JsonPropertyName("gflops_per_s")] double? Gflops,
    [property: JsonPropertyName("gbytes_per_s")] double? GBps);
