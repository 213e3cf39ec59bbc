using System.Diagnostics;
using System.Text.Json;

namespace CrsIlgpu.Kernels.Runtime.Memory;

/// <summary>
/// The caching allocator every device buffer comes from. Requests are rounded up to
/// <see cref="Granularity"/>; requests up to <see cref="SmallRequestLimit"/> are carved from shared
/// segments of <see cref="SegmentGranularity"/>, larger ones get a segment rounded up to it. A free
/// block is reused best-fit (smallest block that fits, split when the rest is at least one
/// granule) and coalesced with free neighbours; segments go back to the driver only in
/// <see cref="Trim"/> or when a limit would otherwise be hit. Counters are exact bytes:
/// <see cref="Allocated"/> counts requested bytes, <see cref="Reserved"/> bytes held from the driver.
/// </summary>
public sealed class MemoryPool : IDisposable
{
    public const long Granularity = 512;
    public const long SmallRequestLimit = 1L << 20;
    public const long SegmentGranularity = 2L << 20;

    private static readonly MemoryTag[] Tags = Enum.GetValues<MemoryTag>();

    private readonly IDeviceAllocator _allocator;
    private readonly SortedSet<PoolBlock> _free = new(PoolBlock.BySize);
    private readonly List<DeviceSegment> _segments = [];
    private readonly Dictionary<DeviceSegment, PoolBlock> _firstBlock = [];
    private readonly HashSet<PoolBlock> _live = [];
    private readonly long[] _tagLive = new long[Tags.Length];
    private readonly long[] _tagPeak = new long[Tags.Length];
    private readonly long[] _tagAtPeak = new long[Tags.Length];
    private readonly List<MemoryEvent>? _timeline;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly Lock _lock = new();
    private long _nextSegmentId;

    /// <summary>Host waits on this pool's device (blocking copies and synchronizes), counted here so tensors can report theirs.</summary>
    public SyncCounter Syncs { get; } = new();

    public MemoryPool(IDeviceAllocator allocator, long? limit = null, bool recordTimeline = false)
    {
        if (limit is <= 0)
            throw new ArgumentOutOfRangeException(nameof(limit), "memory limit must be positive");
        _allocator = allocator;
        Limit = limit;
        _timeline = recordTimeline ? [] : null;
    }

    public long? Limit { get; }

    public long Allocated { get; private set; }

    public long PeakAllocated { get; private set; }

    public long Reserved { get; private set; }

    public long PeakReserved { get; private set; }

    public long DriverAllocs { get; private set; }

    public long DriverFrees { get; private set; }

    public bool RecordsTimeline => _timeline is not null;

    public static long RoundUp(long bytes, long granule) => (bytes + granule - 1) / granule * granule;

    /// <summary>Size of the segment the pool asks the driver for when no cached block fits.</summary>
    public static long SegmentSizeFor(long roundedBytes) =>
        roundedBytes <= SmallRequestLimit ? SegmentGranularity : RoundUp(roundedBytes, SegmentGranularity);

    public PoolBlock Allocate(long bytes, MemoryTag tag, string? label = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bytes);
        var size = RoundUp(Math.Max(bytes, 1), Granularity);
        lock (_lock)
        {
            var block = FindFree(size) ?? NewSegment(size, bytes, tag, label);
            _free.Remove(block);
            if (block.Size - size >= Granularity)
                Split(block, size);

            block.IsFree = false;
            block.Requested = bytes;
            block.Tag = tag;
            block.Label = label;
            _live.Add(block);
            Allocated += bytes;
            _tagLive[(int)tag] += bytes;
            _tagPeak[(int)tag] = Math.Max(_tagPeak[(int)tag], _tagLive[(int)tag]);
            if (Allocated > PeakAllocated)
            {
                PeakAllocated = Allocated;
                Array.Copy(_tagLive, _tagAtPeak, _tagLive.Length);
            }
            Record("alloc", tag, bytes, label);
            return block;
        }
    }

    public void Free(PoolBlock block)
    {
        lock (_lock)
        {
            if (block.IsFree)
                throw new InvalidOperationException($"pool block '{block.Label}' freed twice");
            Allocated -= block.Requested;
            _tagLive[(int)block.Tag] -= block.Requested;
            _live.Remove(block);
            Record("free", block.Tag, block.Requested, block.Label);
            block.IsFree = true;
            block.Requested = 0;

            var merged = block;
            if (merged.Prev is { IsFree: true } prev)
            {
                _free.Remove(prev);
                prev.Size += merged.Size;
                Unlink(merged);
                merged = prev;
            }
            if (merged.Next is { IsFree: true } next)
            {
                _free.Remove(next);
                merged.Size += next.Size;
                Unlink(next);
            }
            _free.Add(merged);
        }
    }

    /// <summary>
    /// Moves a live block's bytes to another tag (a transient that a layer decides to keep for
    /// backward becomes SavedForBackward). Allocated and its peak are unchanged; the new tag's peak
    /// grows if it must, and the at-peak split follows when this is the peak moment.
    /// </summary>
    public void Retag(PoolBlock block, MemoryTag tag)
    {
        lock (_lock)
        {
            if (block.IsFree)
                throw new InvalidOperationException($"pool block '{block.Label}' retagged after it was freed");
            if (block.Tag == tag)
                return;
            _tagLive[(int)block.Tag] -= block.Requested;
            _tagLive[(int)tag] += block.Requested;
            _tagPeak[(int)tag] = Math.Max(_tagPeak[(int)tag], _tagLive[(int)tag]);
            if (Allocated == PeakAllocated)
                Array.Copy(_tagLive, _tagAtPeak, _tagLive.Length);
            Record("retag", tag, block.Requested, block.Label);
            block.Tag = tag;
        }
    }

    /// <summary>Returns every fully free segment to the driver.</summary>
    public void Trim()
    {
        lock (_lock)
            ReleaseCachedSegments();
    }

    /// <summary>Starts a new peak window: peaks become the current values.</summary>
    public void ResetPeak()
    {
        lock (_lock)
        {
            PeakAllocated = Allocated;
            PeakReserved = Reserved;
            Array.Copy(_tagLive, _tagPeak, _tagLive.Length);
            Array.Copy(_tagLive, _tagAtPeak, _tagLive.Length);
        }
    }

    public long LiveBytes(MemoryTag tag)
    {
        lock (_lock)
            return _tagLive[(int)tag];
    }

    public long PeakBytes(MemoryTag tag)
    {
        lock (_lock)
            return _tagPeak[(int)tag];
    }

    public MemoryStats Stats()
    {
        lock (_lock)
            return StatsUnlocked();
    }

    /// <summary>Every live allocation: label, tag and requested bytes (what holds memory right now).</summary>
    public IReadOnlyList<(string? Label, MemoryTag Tag, long Bytes)> LiveAllocations()
    {
        lock (_lock)
            return _live.Select(b => (b.Label, b.Tag, b.Requested)).ToList();
    }

    public IReadOnlyList<MemoryEvent> Timeline()
    {
        lock (_lock)
            return _timeline is null ? [] : _timeline.ToArray();
    }

    public string TimelineJson() =>
        JsonSerializer.Serialize(Timeline(), new JsonSerializerOptions { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower });

    public void Dispose()
    {
        lock (_lock)
        {
            foreach (var segment in _segments)
                _allocator.FreeSegment(segment);
            _segments.Clear();
            _firstBlock.Clear();
            _free.Clear();
        }
    }

    private PoolBlock? FindFree(long size)
    {
        if (_free.Count == 0 || _free.Max!.Size < size)
            return null;
        var probe = new PoolBlock(new DeviceSegment(long.MinValue, 0, null), long.MinValue, size);
        return _free.GetViewBetween(probe, _free.Max).Min;
    }

    private PoolBlock NewSegment(long size, long requested, MemoryTag tag, string? label)
    {
        var segmentSize = SegmentSizeFor(size);
        if (Limit is { } limit && Reserved + segmentSize > limit)
        {
            ReleaseCachedSegments();
            if (Reserved + segmentSize > limit)
            {
                // A whole shared segment does not fit under the limit; an exact one might.
                if (Reserved + size > limit)
                    throw new OutOfDeviceMemoryException(requested, tag, label, Limit, StatsUnlocked(), "past the limit");
                segmentSize = size;
            }
        }

        DeviceSegment segment;
        try
        {
            segment = _allocator.AllocateSegment(_nextSegmentId, segmentSize);
        }
        catch (DriverOutOfMemoryException)
        {
            ReleaseCachedSegments();
            try
            {
                segment = _allocator.AllocateSegment(_nextSegmentId, segmentSize);
            }
            catch (DriverOutOfMemoryException ex)
            {
                throw new OutOfDeviceMemoryException(requested, tag, label, Limit, StatsUnlocked(), "the device is full: " + ex.Message);
            }
        }
        _nextSegmentId++;
        _segments.Add(segment);
        DriverAllocs++;
        Reserved += segmentSize;
        PeakReserved = Math.Max(PeakReserved, Reserved);
        Record("segment_alloc", null, segmentSize, null);

        var block = new PoolBlock(segment, 0, segmentSize);
        _firstBlock[segment] = block;
        _free.Add(block);
        return block;
    }

    private void Split(PoolBlock block, long size)
    {
        var rest = new PoolBlock(block.Segment, block.Offset + size, block.Size - size)
        {
            Prev = block,
            Next = block.Next,
        };
        if (block.Next is not null)
            block.Next.Prev = rest;
        block.Next = rest;
        block.Size = size;
        _free.Add(rest);
    }

    private static void Unlink(PoolBlock block)
    {
        if (block.Prev is not null)
            block.Prev.Next = block.Next;
        if (block.Next is not null)
            block.Next.Prev = block.Prev;
    }

    private void ReleaseCachedSegments()
    {
        for (var i = _segments.Count - 1; i >= 0; i--)
        {
            var segment = _segments[i];
            var first = _firstBlock[segment];
            if (!first.IsFree || first.Size != segment.Size)
                continue;
            _free.Remove(first);
            _firstBlock.Remove(segment);
            _segments.RemoveAt(i);
            _allocator.FreeSegment(segment);
            DriverFrees++;
            Reserved -= segment.Size;
            Record("segment_free", null, segment.Size, null);
        }
    }

    private MemoryStats StatsUnlocked() =>
        new(Allocated, PeakAllocated, Reserved, PeakReserved, DriverAllocs, DriverFrees, _live.Count,
            ByTag(_tagLive), ByTag(_tagPeak), ByTag(_tagAtPeak));

    private static Dictionary<MemoryTag, long> ByTag(long[] values) =>
        Tags.ToDictionary(t => t, t => values[(int)t]);

    private void Record(string op, MemoryTag? tag, long bytes, string? label) =>
        _timeline?.Add(new MemoryEvent(_clock.Elapsed.TotalMilliseconds, op, tag?.ToString(), bytes, Allocated, Reserved, label));
}
