namespace CrsIlgpu.Kernels.Runtime.Memory;

/// <summary>A snapshot of the pool's counters, all in bytes (counts for the driver calls).</summary>
public sealed record MemoryStats(
    long Allocated,
    long PeakAllocated,
    long Reserved,
    long PeakReserved,
    long DriverAllocs,
    long DriverFrees,
    int LiveBlocks,
    IReadOnlyDictionary<MemoryTag, long> LiveByTag,
    IReadOnlyDictionary<MemoryTag, long> PeakByTag,
    IReadOnlyDictionary<MemoryTag, long> ByTagAtPeak);
