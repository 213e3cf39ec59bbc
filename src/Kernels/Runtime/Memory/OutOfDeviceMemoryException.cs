namespace CrsIlgpu.Kernels.Runtime.Memory;

/// <summary>
/// A request the pool cannot serve, past --memory-limit or past what the device has. Carries the
/// request and the pool's state so the user sees what filled the memory.
/// </summary>
public sealed class OutOfDeviceMemoryException : CrsException
{
    public OutOfDeviceMemoryException(long requested, MemoryTag tag, string? label, long? limit, MemoryStats stats, string cause)
        : base(Describe(requested, tag, label, limit, stats, cause), exitCode: 3)
    {
        Requested = requested;
        Tag = tag;
        Limit = limit;
        Stats = stats;
    }

    public long Requested { get; }

    public MemoryTag Tag { get; }

    public long? Limit { get; }

    public MemoryStats Stats { get; }

    private static string Describe(long requested, MemoryTag tag, string? label, long? limit, MemoryStats stats, string cause)
    {
        var what = label is null ? tag.ToString() : $"{tag} '{label}'";
        var limitText = limit is { } l ? $"limit {ByteSize.Format(l)} (--memory-limit)" : "no --memory-limit";
        var largest = stats.LiveByTag
            .Where(kv => kv.Value > 0)
            .OrderByDescending(kv => kv.Value)
            .Take(3)
            .Select(kv => $"{kv.Key} {ByteSize.Format(kv.Value)}");
        var largestText = string.Join(", ", largest);
        return $"out of device memory ({cause}): request of {ByteSize.Format(requested)} for {what}; {limitText}; " +
               $"allocated {ByteSize.Format(stats.Allocated)}, reserved {ByteSize.Format(stats.Reserved)}; " +
               $"largest live tags: {(largestText.Length == 0 ? "none" : largestText)}";
    }
}
