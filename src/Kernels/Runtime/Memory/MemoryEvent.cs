namespace CrsIlgpu.Kernels.Runtime.Memory;

/// <summary>One entry of the pool's timeline: alloc, free, segment_alloc or segment_free.</summary>
public sealed record MemoryEvent(
    double TimeMs,
    string Op,
    string? Tag,
    long Bytes,
    long Allocated,
    long Reserved,
    string? Label);
