namespace CrsIlgpu.Kernels.Runtime;

/// <summary>
/// A device's theoretical peaks, the roof of a roofline: FP32 FLOP/s (FMA counted as two) and DRAM
/// bytes/s. Derived from what the CUDA driver reports, so no table of GPU models is needed.
/// </summary>
public sealed record DevicePeak(double Fp32FlopsPerSecond, double BytesPerSecond)
{
    /// <summary>FLOP per byte where the two roofs meet: kernels below it are bandwidth-bound.</summary>
    public double RidgeFlopsPerByte => Fp32FlopsPerSecond / BytesPerSecond;

    /// <summary>
    /// Peaks from the CUDA device attributes: SMs × SM clock × FP32 lanes per SM × 2 (FMA), and
    /// memory clock × bus width / 8 × 2 (double data rate). Clocks in kHz, as CUDA reports them.
    /// Null when a figure is missing or the architecture's lane count is unknown.
    /// </summary>
    public static DevicePeak? FromCudaAttributes(int major, int minor, int multiprocessors, long clockKHz, long memoryClockKHz, int busWidthBits)
    {
        if (Fp32LanesPerMultiprocessor(major, minor) is not { } lanes || multiprocessors <= 0 || clockKHz <= 0 || memoryClockKHz <= 0 || busWidthBits <= 0)
            return null;
        var flops = multiprocessors * (clockKHz * 1e3) * lanes * 2.0;
        var bytes = memoryClockKHz * 1e3 * (busWidthBits / 8.0) * 2.0;
        return new DevicePeak(flops, bytes);
    }

    /// <summary>
    /// FP32 cores per SM by compute capability (CUDA C Programming Guide, "Arithmetic Instructions"):
    /// 64 on sm_60, sm_70, sm_75 and sm_80 (A100), 128 on sm_61, sm_86/87/89 and sm_90 (H100) and later.
    /// </summary>
    public static int? Fp32LanesPerMultiprocessor(int major, int minor) => (major, minor) switch
    {
        (5, _) => 128,
        (6, 0) => 64,
        (6, _) => 128,
        (7, _) => 64,
        (8, 0) => 64,
        (8, _) => 128,
        ( >= 9, _) => 128,
        _ => null,
    };
}
