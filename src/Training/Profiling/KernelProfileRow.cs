using System.Text.Json.Serialization;

namespace CrsIlgpu.Training.Profiling;

/// <summary>
/// One kernel in one phase, per training step (the timed steps' mean): launches, time, its share of
/// the step's summed kernel time, throughput from the launcher's declared flops and bytes, and the
/// roofline position where the device has known peaks; groups per launch (grid size) where the
/// launcher declared them (the GEMMs: split-K shows here), else null.
/// </summary>
public sealed record KernelProfileRow(
    string Phase,
    string Kernel,
    [property: JsonPropertyName("ptx_entry")] string? PtxEntry,
    double LaunchesPerStep,
    double TotalUsPerStep,
    double MeanUs,
    double MinUs,
    double SharePercent,
    double FlopsPerStep,
    double BytesPerStep,
    [property: JsonPropertyName("gflops_per_s")] double? GflopsPerSecond,
    [property: JsonPropertyName("gbytes_per_s")] double? GbytesPerSecond,
    RooflinePosition? Roofline,
    double? GroupsPerLaunch = null);
