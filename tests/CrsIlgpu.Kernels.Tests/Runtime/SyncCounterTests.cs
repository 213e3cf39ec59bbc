using CrsIlgpu.Kernels.Runtime.Memory;

namespace CrsIlgpu.Kernels.Tests.Runtime;

/// <summary>What counts as a host wait (issue 21 item 2), and the views the flat parameter buffers use.</summary>
public sealed class SyncCounterTests
{
    [Fact]
    [KernelPath]
    public void BlockingCopiesAndSynchronizesCountStagedCopiesDoNot()
    {
        using var device = TestDevices.Create("kernels");
        using var t = new Tensor(device.Pool, MemoryTag.Activations, "t", 4);
        using var ids = new IntTensor(device.Pool, 4);
        var start = device.Synchronizations;
        t.CopyFrom([1f, 2f, 3f, 4f]);
        ids.CopyFrom([0, 1, 2, 3]);
        _ = t.ToArray();
        _ = ids.ToArray();
        device.Synchronize();
        Assert.Equal(5, device.Synchronizations - start);

        using var up = new HostStaging<float>(device);
        using var down = new HostStaging<float>(device);
        start = device.Synchronizations;
        up.Upload([5f, 6f, 7f, 8f], t.View);
        down.Download(t.View);
        Assert.Equal(0, device.Synchronizations - start);
        Assert.True(down.Pending);
        Assert.Equal([5f, 6f, 7f, 8f], down.Completed().ToArray()); // nobody waited since: this waits once
        Assert.Equal(1, device.Synchronizations - start);

        down.Download(t.View);
        _ = ids.ToArray(); // the step's one wait
        Assert.False(down.Pending);
        Assert.Equal([5f, 6f, 7f, 8f], down.Completed().ToArray());
        Assert.Equal(2, device.Synchronizations - start);
    }

    [Fact]
    public void StagedLabelsKeepTheirHostRange()
    {
        using var device = TestDevices.Create("cpu");
        using var labels = new IntTensor(device.Pool, 3);
        using var staging = new HostStaging<int>(device);
        labels.Upload([4, 1, 9], staging);
        Assert.Equal((1, 1, 9, 2), labels.HostRange);
        Assert.Equal([4, 1, 9], labels.ToArray());
    }

    [Theory]
    [KernelPath]
    [MemberData(nameof(TestDevices.Names), MemberType = typeof(TestDevices))]
    public void SlicesSeeTheirPartOfOneAllocation(string name)
    {
        using var device = TestDevices.Create(name);
        using var flat = new Tensor(device.Pool, MemoryTag.Weights, "flat", 10);
        flat.CopyFrom(Enumerable.Range(0, 10).Select(i => (float)i).ToArray());
        var a = flat.Slice(2, "a", 2, 2);
        var b = flat.Slice(6, "b", 4).Reshape(2, 2);
        Assert.Equal([2f, 3f, 4f, 5f], a.ToArray());
        Assert.Equal([6f, 7f, 8f, 9f], b.ToArray());
        Assert.Equal("a", a.Label);
        b.CopyFrom([-1f, -2f, -3f, -4f]);
        Assert.Equal([0f, 1f, 2f, 3f, 4f, 5f, -1f, -2f, -3f, -4f], flat.ToArray());
        Assert.Equal(4, a.View.Length);
        Assert.Throws<ArgumentException>(() => flat.Slice(8, "c", 3));
        Assert.Equal(40, device.Pool.LiveBytes(MemoryTag.Weights)); // views allocate nothing
    }
}
