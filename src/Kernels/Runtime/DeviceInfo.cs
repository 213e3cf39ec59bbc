namespace CrsIlgpu.Kernels.Runtime;

/// <summary>What `crs devices` prints for one accelerator.</summary>
public sealed record DeviceInfo(
    int Index,
    string Name,
    string Kind,
    string? ComputeCapability,
    long MemoryBytes,
    int Multiprocessors,
    int WarpSize,
    int MaxThreadsPerGroup)
{
    /// <summary>Theoretical FP32 and memory peaks (CUDA devices only).</summary>
    public DevicePeak? Peak { get; init; }
}
