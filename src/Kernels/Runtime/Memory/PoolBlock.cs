using ILGPU.Runtime;

namespace CrsIlgpu.Kernels.Runtime.Memory;

/// <summary>A piece of a segment: live (handed out) or free (cached for reuse).</summary>
public sealed class PoolBlock
{
    internal PoolBlock(DeviceSegment segment, long offset, long size)
    {
        Segment = segment;
        Offset = offset;
        Size = size;
    }

    public DeviceSegment Segment { get; }

    public long Offset { get; }

    /// <summary>Bytes the block spans (a multiple of the pool's granularity).</summary>
    public long Size { get; internal set; }

    /// <summary>Bytes the caller asked for; what <see cref="MemoryPool.Allocated"/> counts.</summary>
    public long Requested { get; internal set; }

    public MemoryTag Tag { get; internal set; }

    public string? Label { get; internal set; }

    public bool IsFree { get; internal set; } = true;

    internal PoolBlock? Prev { get; set; }

    internal PoolBlock? Next { get; set; }

    /// <summary>The block's requested bytes seen as elements of <typeparamref name="T"/>.</summary>
    public ArrayView<T> View<T>()
        where T : unmanaged
    {
        if (IsFree)
            throw new InvalidOperationException("use of a pool block after it was freed");
        var buffer = Segment.Buffer
            ?? throw new InvalidOperationException("a planned (virtual) allocation has no memory behind it");
        return buffer.View.AsContiguous().SubView(Offset, Requested).Cast<T>();
    }

    /// <summary>Orders free blocks for best fit: smallest first, then by segment and offset.</summary>
    internal static readonly IComparer<PoolBlock> BySize = Comparer<PoolBlock>.Create((a, b) =>
    {
        var c = a.Size.CompareTo(b.Size);
        if (c != 0) return c;
        c = a.Segment.Id.CompareTo(b.Segment.Id);
        return c != 0 ? c : a.Offset.CompareTo(b.Offset);
    });
}
