namespace CrsIlgpu.Kernels.Tests.Runtime;

/// <summary>
/// The per-collection kernels device of <see cref="SharedTestDevices"/> (shared on CUDA only; here
/// sharing is switched on by hand over CPU-accelerator devices): one device per collection, kept
/// while a lease is open, disposed when another collection asks; "cpu" and the unshared mode stay fresh.
/// </summary>
public class SharedTestDevicesTests
{
    private sealed class Counting
    {
        public List<DeviceContext> Made { get; } = [];

        public DeviceContext Create(string name)
        {
            var device = TestDevices.Create(name);
            Made.Add(device);
            return device;
        }
    }

    [Fact]
    [KernelPath]
    public void OneCollectionSharesOneDeviceThatOutlivesItsLeases()
    {
        var counting = new Counting();
        var cache = new SharedTestDevices(share: true, counting.Create);
        using (var first = cache.Lease("kernels", "A"))
        using (var second = cache.Lease("kernels", "A"))
        {
            Assert.Same(first.Device, second.Device);
            Assert.True(first.IsShared);
        }
        using var third = cache.Lease("kernels", "A");
        Assert.Same(counting.Made[0], third.Device);
        Assert.False(third.Device.Accelerator.IsDisposed);
        Assert.Single(counting.Made);
        third.Device.Dispose();
    }

    [Fact]
    [KernelPath]
    public void AnotherCollectionDisposesIdleDevicesButNotOneInUse()
    {
        var counting = new Counting();
        var cache = new SharedTestDevices(share: true, counting.Create);
        var a = cache.Lease("kernels", "A");
        using (cache.Lease("kernels", "B"))
        {
            Assert.False(a.Device.Accelerator.IsDisposed); // A's lease is open: kept
            Assert.Equal(2, cache.Alive);
        }
        a.Dispose();
        using var c = cache.Lease("kernels", "C");
        Assert.True(counting.Made[0].Accelerator.IsDisposed);
        Assert.True(counting.Made[1].Accelerator.IsDisposed);
        Assert.Equal(1, cache.Alive);
        Assert.Equal(3, counting.Made.Count);
        c.Device.Dispose();
    }

    [Theory]
    [KernelPath]
    [InlineData(true, "cpu")]
    [InlineData(false, "kernels")]
    public void UnsharedLeasesAreFreshAndDisposeTheirDevice(bool share, string name)
    {
        var counting = new Counting();
        var cache = new SharedTestDevices(share, counting.Create);
        var first = cache.Lease(name, "A");
        var second = cache.Lease(name, "A");
        Assert.NotSame(first.Device, second.Device);
        Assert.False(first.IsShared);
        first.Dispose();
        second.Dispose();
        Assert.All(counting.Made, d => Assert.True(d.Accelerator.IsDisposed));
        Assert.Equal(0, cache.Alive);
    }

    [Fact]
    public void ALeaseOnTheKernelsDeviceNeedsTheKernelPathTrait()
    {
        var cache = new SharedTestDevices(share: true, TestDevices.Create);
        var error = Assert.Throws<InvalidOperationException>(() => cache.Lease("kernels", "A"));
        Assert.Contains("has no trait Path=Kernel", error.Message);
        Assert.Throws<InvalidOperationException>(() => TestDevices.Create("kernels"));
        Assert.Throws<InvalidOperationException>(() => TestAccelerators.Kernels);
        Assert.Equal(false, KernelPathAttribute.CurrentTestIsMarked());
    }
}
