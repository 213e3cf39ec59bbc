using CrsIlgpu.Kernels.Runtime.Driver;

namespace CrsIlgpu.Kernels.Runtime.Probe;

/// <summary>
/// The probe of every device a --device choice involves, and its verdict: can that choice run a
/// kernel? --device cuda asks whether any CUDA device passed; cpu, the CPU accelerator; auto, the
/// device auto would use (the first CUDA device ILGPU enumerated, else the CPU; a broken one is not
/// skipped, as DeviceContext does not skip it either).
/// </summary>
public sealed record DeviceProbeReport(DeviceKind Requested, CudaStatus? Cuda, IReadOnlyList<DeviceProbeResult> Results)
{
    public const string CudaKind = "Cuda";

    public const string CpuKind = "CPU";

    /// <summary>The results the verdict rests on.</summary>
    public IReadOnlyList<DeviceProbeResult> Deciding => Requested switch
    {
        DeviceKind.Cuda => Of(CudaKind),
        DeviceKind.Cpu => Of(CpuKind),
        _ => Of(CudaKind).FirstOrDefault(r => r.Steps.Any(s => s is { Stage: ProbeStage.Enumerate, Ok: true })) is { } picked ? [picked] : Of(CpuKind),
    };

    public bool Passed => Deciding.Any(r => r.Passed);

    /// <summary>
    /// 0 when a deciding device ran the kernel. Otherwise the CLI's codes: 2 (like every command's
    /// --device cuda without a usable GPU) when no device could even be opened — no driver, cuInit or
    /// the context failed; 1 ("a check failed") when one opened but its kernel did not load, run or
    /// give the reference's result.
    /// </summary>
    public int ExitCode => Passed ? 0 : Telling is { } r && r.Furthest > ProbeStage.Context ? 1 : 2;

    /// <summary>The deciding failure that got furthest: the one the error line names.</summary>
    public DeviceProbeResult? Telling => Passed ? null : Deciding.OrderByDescending(r => r.Furthest).FirstOrDefault();

    /// <summary>The one error line (no "error: " prefix) when the verdict is no; null when it passed.</summary>
    public string? Error => Passed
        ? null
        : $"--device {Requested.ToString().ToLowerInvariant()}: {Subject} ran the probe kernel"
            + (Telling is { } r ? $": {r.Describe()}" : ": nothing was probed");

    private string Subject => Deciding.FirstOrDefault()?.Kind switch
    {
        CudaKind when Requested == DeviceKind.Cuda => "no CUDA device",
        CudaKind => "the CUDA device --device auto picks never",
        _ => "the CPU accelerator never",
    };

    private List<DeviceProbeResult> Of(string kind) => Results.Where(r => r.Kind == kind).ToList();
}
