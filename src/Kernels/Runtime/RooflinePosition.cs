using System.Globalization;

namespace CrsIlgpu.Kernels.Runtime;

/// <summary>
/// Where a kernel sits under the roofline: the roof that bounds it (compute or memory, by its
/// arithmetic intensity against the device's ridge point) and the fraction of that roof it reached.
/// </summary>
public sealed record RooflinePosition(string Bound, double FractionOfPeak)
{
    public const string Compute = "compute";
    public const string Memory = "memory";

    /// <summary>
    /// From declared work and measured time; null without a peak (the CPU), without time, or when the
    /// launcher declared neither flops nor bytes.
    /// </summary>
    public static RooflinePosition? Of(double flops, double bytes, double seconds, DevicePeak? peak)
    {
        if (peak is null || seconds <= 0 || (flops <= 0 && bytes <= 0))
            return null;
        // No declared bytes: only the compute roof can bound it; no flops: only memory.
        var computeBound = bytes <= 0 || (flops > 0 && flops / bytes >= peak.RidgeFlopsPerByte);
        return computeBound
            ? new RooflinePosition(Compute, flops / seconds / peak.Fp32FlopsPerSecond)
            : new RooflinePosition(Memory, bytes / seconds / peak.BytesPerSecond);
    }

    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"{100 * FractionOfPeak:0.0}% {(Bound == Compute ? "FP32" : "BW")}");
}
