using System.Text.Json;

namespace CrsIlgpu.Kernels.Runtime.Probe;

/// <summary>
/// One stage of a probe: whether it worked, how long the probe spent in it, what it found, and the
/// driver's CUresult when a CUDA call failed.
/// </summary>
public sealed record ProbeStep(ProbeStage Stage, bool Ok, double Milliseconds, string Detail, int? ErrorCode = null, string? ErrorName = null)
{
    /// <summary>The stage as the JSON and the error line spell it: "entry_points", "device_count".</summary>
    public static string NameOf(ProbeStage stage) => JsonNamingPolicy.SnakeCaseLower.ConvertName(stage.ToString());
}
