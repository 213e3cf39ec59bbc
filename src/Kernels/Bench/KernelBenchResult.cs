namespace CrsIlgpu.Kernels.Bench;

/// <summary>
/// One `crs bench kernel` run: the check against the reference, the op's and the reference's
/// timings at that shape, the roofline position (GPU only), and the launches one run of the op made
/// as the profiler names them.
/// </summary>
public sealed record KernelBenchResult(
    string Kernel,
    string Shape,
    string Device,
    string PtxEntry,
    KernelCheck Check,
    BenchRow Op,
    BenchRow? Reference,
    RooflinePosition? Roofline,
    IReadOnlyList<KernelStats> Launches);
