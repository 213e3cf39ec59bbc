using System.Text.Json;
using CrsIlgpu.Kernels.Runtime.Memory;

namespace CrsIlgpu.Kernels.Tests.Runtime;

public class MemoryPoolTests
{
    private const long KiB = 1024, MiB = 1024 * 1024;

    [Fact]
    public void SmallRequestsShareOneSegmentAndCountRequestedBytes()
    {
        using var pool = new MemoryPool(new VirtualAllocator());
        var a = pool.Allocate(1000, MemoryTag.Activations);
        var b = pool.Allocate(3000, MemoryTag.Weights);

        Assert.Equal(4000, pool.Allocated);
        Assert.Equal(2 * MiB, pool.Reserved);
        Assert.Equal(1, pool.DriverAllocs);
        Assert.Equal(1024, a.Size);
        Assert.Equal(3072, b.Size);
        Assert.Equal(0, a.Offset);
        Assert.Equal(1024, b.Offset);
        Assert.Same(a.Segment, b.Segment);
    }

    [Fact]
    public void FreedBlockIsReusedBestFit()
    {
        using var pool = new MemoryPool(new VirtualAllocator());
        var a = pool.Allocate(1000, MemoryTag.Activations);
        pool.Allocate(3000, MemoryTag.Weights);
        pool.Free(a);
        Assert.Equal(3000, pool.Allocated);

        // 600 B rounds to 1 KiB: the freed 1 KiB hole at offset 0 is the best fit, not the 2 MiB tail.
        var c = pool.Allocate(600, MemoryTag.Workspace);
        Assert.Equal(0, c.Offset);
        Assert.Equal(1024, c.Size);
        Assert.Equal(3600, pool.Allocated);
        Assert.Equal(1, pool.DriverAllocs);
    }

    [Fact]
    public void LargeRequestGetsItsOwnSegmentRoundedToTwoMiB()
    {
        using var pool = new MemoryPool(new VirtualAllocator());
        pool.Allocate(10, MemoryTag.Weights);
        var big = pool.Allocate(3 * MiB, MemoryTag.Activations);

        Assert.Equal(2, pool.DriverAllocs);
        Assert.Equal(6 * MiB, pool.Reserved);
        Assert.Equal(3 * MiB + 10, pool.Allocated);
        Assert.Equal(3 * MiB, big.Size);

        // The 1 MiB left in the big segment serves a later request that fits there.
        var rest = pool.Allocate(MiB, MemoryTag.Workspace);
        Assert.Same(big.Segment, rest.Segment);
        Assert.Equal(3 * MiB, rest.Offset);
        Assert.Equal(2, pool.DriverAllocs);
    }

    [Fact]
    public void FreeingNeighboursCoalescesAndTrimReturnsSegment()
    {
        using var pool = new MemoryPool(new VirtualAllocator());
        var a = pool.Allocate(512, MemoryTag.Activations);
        var b = pool.Allocate(512, MemoryTag.Activations);
        var c = pool.Allocate(512, MemoryTag.Activations);
        pool.Free(a);
        pool.Free(c);
        pool.Trim();
        Assert.Equal(0, pool.DriverFrees); // b still pins the segment

        pool.Free(b);
        Assert.Equal(0, pool.Allocated);
        Assert.Equal(2 * MiB, pool.Reserved); // cached, not returned

        // One coalesced block: a request of the whole segment fits without a new driver call.
        var whole = pool.Allocate(2 * MiB, MemoryTag.Workspace);
        Assert.Equal(0, whole.Offset);
        Assert.Equal(1, pool.DriverAllocs);
        pool.Free(whole);

        pool.Trim();
        Assert.Equal(1, pool.DriverFrees);
        Assert.Equal(0, pool.Reserved);
        Assert.Equal(2 * MiB, pool.PeakReserved);
    }

    [Fact]
    public void PeakTracksHighWaterMarkAcrossResets()
    {
        using var pool = new MemoryPool(new VirtualAllocator());
        var a = pool.Allocate(10 * KiB, MemoryTag.Weights);
        var b = pool.Allocate(20 * KiB, MemoryTag.Activations);
        pool.Free(b);
        Assert.Equal(30 * KiB, pool.PeakAllocated);
        Assert.Equal(20 * KiB, pool.PeakBytes(MemoryTag.Activations));

        pool.ResetPeak();
        Assert.Equal(10 * KiB, pool.PeakAllocated);
        Assert.Equal(0, pool.PeakBytes(MemoryTag.Activations));

        pool.Allocate(5 * KiB, MemoryTag.Activations);
        Assert.Equal(15 * KiB, pool.PeakAllocated);
        var stats = pool.Stats();
        Assert.Equal(10 * KiB, stats.ByTagAtPeak[MemoryTag.Weights]);
        Assert.Equal(5 * KiB, stats.ByTagAtPeak[MemoryTag.Activations]);
        pool.Free(a);
    }

    [Fact]
    public void PerTagLiveBytesAlwaysSumToAllocated()
    {
        var random = new Random(7);
        using var pool = new MemoryPool(new VirtualAllocator());
        var live = new List<PoolBlock>();
        var model = new Dictionary<MemoryTag, long>();
        var tags = Enum.GetValues<MemoryTag>();
        for (var step = 0; step < 2000; step++)
        {
            if (live.Count > 0 && random.NextDouble() < 0.45)
            {
                var i = random.Next(live.Count);
                model[live[i].Tag] -= live[i].Requested;
                pool.Free(live[i]);
                live.RemoveAt(i);
            }
            else
            {
                var tag = tags[random.Next(tags.Length)];
                var bytes = random.NextDouble() < 0.1 ? random.Next(1, 5 * (int)MiB) : random.Next(0, 64 * 1024);
                live.Add(pool.Allocate(bytes, tag));
                model[tag] = model.GetValueOrDefault(tag) + bytes;
            }

            var stats = pool.Stats();
            Assert.Equal(stats.Allocated, stats.LiveByTag.Values.Sum());
            foreach (var tag in tags)
                Assert.Equal(model.GetValueOrDefault(tag), stats.LiveByTag[tag]);
            Assert.Equal(live.Count, stats.LiveBlocks);
        }

        // Live blocks never overlap.
        foreach (var group in live.GroupBy(b => b.Segment))
        {
            var sorted = group.OrderBy(b => b.Offset).ToList();
            for (var i = 1; i < sorted.Count; i++)
                Assert.True(sorted[i - 1].Offset + sorted[i - 1].Size <= sorted[i].Offset);
        }
    }

    [Fact]
    public void RequestPastLimitThrowsClearErrorAndLeavesPoolConsistent()
    {
        using var pool = new MemoryPool(new VirtualAllocator(), limit: 3 * MiB);
        pool.Allocate(MiB, MemoryTag.Weights, "w");
        var before = pool.Stats();

        var ex = Assert.Throws<OutOfDeviceMemoryException>(() => pool.Allocate(3 * MiB / 2, MemoryTag.Activations, "fc1.out"));
        Assert.Contains("1.5 MiB", ex.Message);
        Assert.Contains("Activations 'fc1.out'", ex.Message);
        Assert.Contains("limit 3.0 MiB", ex.Message);
        Assert.Contains("Weights 1.0 MiB", ex.Message);

        var after = pool.Stats();
        Assert.Equal(before.Allocated, after.Allocated);
        Assert.Equal(before.Reserved, after.Reserved);
        Assert.Equal(before.LiveBlocks, after.LiveBlocks);
        Assert.Equal(before.DriverAllocs, after.DriverAllocs);

        // The pool still works: what fits in the first segment is served.
        var fits = pool.Allocate(900 * KiB, MemoryTag.Activations);
        Assert.Equal(MiB, fits.Offset);
        Assert.Equal(1, pool.DriverAllocs);
    }

    [Fact]
    public void UnderLimitAnExactSegmentIsUsedWhenAFullOneDoesNotFit()
    {
        using var pool = new MemoryPool(new VirtualAllocator(), limit: 2 * MiB + 512 * KiB);
        pool.Allocate(2 * MiB, MemoryTag.Weights);
        pool.Allocate(256 * KiB, MemoryTag.Activations);
        Assert.Equal(2 * MiB + 256 * KiB, pool.Reserved);
        Assert.Equal(2, pool.DriverAllocs);
    }

    [Fact]
    public void LimitReleasesCachedSegmentsBeforeFailing()
    {
        using var pool = new MemoryPool(new VirtualAllocator(), limit: 4 * MiB);
        var small = pool.Allocate(512, MemoryTag.Workspace);  // 2 MiB segment
        pool.Free(small);
        var big = pool.Allocate(3 * MiB, MemoryTag.Activations); // needs 4 MiB: the cached 2 MiB goes back first
        Assert.Equal(1, pool.DriverFrees);
        Assert.Equal(4 * MiB, pool.Reserved);
        Assert.Equal(3 * MiB, big.Size);
    }

    [Fact]
    public void DriverOutOfMemoryIsReportedLikeTheLimit()
    {
        using var pool = new MemoryPool(new VirtualAllocator(capacity: 4 * MiB));
        pool.Allocate(3 * MiB, MemoryTag.Weights);
        var ex = Assert.Throws<OutOfDeviceMemoryException>(() => pool.Allocate(2 * MiB, MemoryTag.Gradients));
        Assert.Contains("device is full", ex.Message);
        Assert.Contains("no --memory-limit", ex.Message);
        Assert.Equal(3 * MiB, pool.Allocated);
        Assert.Equal(4 * MiB, pool.Reserved);
    }

    [Fact]
    public void DoubleFreeIsAnError()
    {
        using var pool = new MemoryPool(new VirtualAllocator());
        var a = pool.Allocate(100, MemoryTag.Workspace);
        pool.Free(a);
        Assert.Throws<InvalidOperationException>(() => pool.Free(a));
    }

    [Fact]
    public void TimelineRecordsEveryEventAsJson()
    {
        using var pool = new MemoryPool(new VirtualAllocator(), recordTimeline: true);
        var a = pool.Allocate(100, MemoryTag.Weights, "w");
        pool.Allocate(200, MemoryTag.Activations);
        pool.Free(a);

        using var doc = JsonDocument.Parse(pool.TimelineJson());
        var events = doc.RootElement.EnumerateArray().ToList();
        Assert.Equal(["segment_alloc", "alloc", "alloc", "free"], events.Select(e => e.GetProperty("op").GetString()));
        Assert.Equal(2 * MiB, events[0].GetProperty("reserved").GetInt64());
        Assert.Equal("w", events[1].GetProperty("label").GetString());
        Assert.Equal(300, events[2].GetProperty("allocated").GetInt64());
        Assert.Equal(200, events[3].GetProperty("allocated").GetInt64());
        Assert.Equal("Weights", events[3].GetProperty("tag").GetString());
    }

    [Theory]
    [InlineData("123", 123L)]
    [InlineData("512MiB", 512L << 20)]
    [InlineData("1.5GiB", 3L << 29)]
    [InlineData("2GB", 2L << 30)]
    public void ByteSizesParse(string text, long expected)
    {
        Assert.True(ByteSize.TryParse(text, out var bytes));
        Assert.Equal(expected, bytes);
    }

    [Theory]
    [InlineData("")]
    [InlineData("abc")]
    [InlineData("12 parsecs")]
    public void BadByteSizesAreRejected(string text) => Assert.False(ByteSize.TryParse(text, out _));
}
