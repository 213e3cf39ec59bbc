using CrsIlgpu.Kernels.Runtime.Memory;

namespace CrsIlgpu.Kernels.Tests.Runtime;

public class DeviceContextTests
{
    [Fact]
    public void CpuDeviceMimicsNvidiaWarpAndUsesTheCpuBackend()
    {
        using var device = DeviceContext.Create(new DeviceOptions { Kind = DeviceKind.Cpu });
        Assert.False(device.IsCuda);
        Assert.Equal(32, device.Accelerator.WarpSize);
        Assert.Equal(ExecutionMode.CpuBackend, device.Mode);
    }

    [Fact]
    public void AskingForCudaWithoutGpuIsAClearError()
    {
        if (DeviceContext.ListDevices().Any(d => d.Kind == "Cuda"))
            Assert.Skip("a CUDA device is present");
        var ex = Assert.Throws<CrsException>(() => DeviceContext.Create(new DeviceOptions { Kind = DeviceKind.Cuda }));
        Assert.Equal(2, ex.ExitCode);
        Assert.StartsWith("--device cuda: ", ex.Message);
        Assert.Contains("CUDA", ex.Message);
        Assert.DoesNotContain("\n", ex.Message);
    }

    [Fact]
    public void ListDevicesIncludesTheCpuAccelerator()
    {
        var cpu = Assert.Single(DeviceContext.ListDevices(), d => d.Kind == "CPU");
        Assert.Equal(32, cpu.WarpSize);
        Assert.True(cpu.MaxThreadsPerGroup >= 256);
    }

    [Fact]
    public void TensorsFromOneSegmentHoldTheirOwnData()
    {
        using var device = DeviceContext.Create(new DeviceOptions { Kind = DeviceKind.Cpu });
        using var a = new Tensor(device.Pool, MemoryTag.Activations, "a", 3, 5);
        using var b = new Tensor(device.Pool, MemoryTag.Weights, "b", 7);
        Assert.Same(a.Block.Segment, b.Block.Segment);

        var dataA = Enumerable.Range(0, 15).Select(i => (float)i).ToArray();
        var dataB = Enumerable.Range(0, 7).Select(i => -1f - i).ToArray();
        a.CopyFrom(dataA);
        b.CopyFrom(dataB);
        Assert.Equal(dataA, a.ToArray());
        Assert.Equal(dataB, b.ToArray());
        Assert.Equal(dataB, b.AsSpan().ToArray());
        Assert.Equal(15 * 4 + 7 * 4, device.Pool.Allocated);
    }

    [Fact]
    public void TensorUseAfterDisposeThrows()
    {
        using var device = DeviceContext.Create(new DeviceOptions { Kind = DeviceKind.Cpu });
        var t = new Tensor(device.Pool, MemoryTag.Activations, "t", 4);
        t.Dispose();
        Assert.Throws<ObjectDisposedException>(() => t.View);
        Assert.Equal(0, device.Pool.Allocated);
    }

    [Fact]
    public void MemoryLimitAppliesToRealAllocations()
    {
        using var device = DeviceContext.Create(new DeviceOptions { Kind = DeviceKind.Cpu, MemoryLimit = 4L << 20 });
        using var fits = new Tensor(device.Pool, MemoryTag.Activations, "fits", 1024, 512);
        Assert.Throws<OutOfDeviceMemoryException>(() => new Tensor(device.Pool, MemoryTag.Activations, "too big", 1024, 1024));
    }
}

public class TensorReshapeTests
{
    [Fact]
    public void ReshapeSharesDataAndDoesNotFree()
    {
        using var device = DeviceContext.Create(new DeviceOptions { Kind = DeviceKind.Cpu });
        using var t = new Tensor(device.Pool, MemoryTag.Weights, "w", 2, 3, 2, 2);
        t.CopyFrom(Enumerable.Range(0, 24).Select(i => (float)i).ToArray());
        var view = t.Reshape(2, 12);
        Assert.Equal([2, 12], view.Shape);
        Assert.Equal(t.ToArray(), view.ToArray());
        view.Dispose();
        Assert.Equal(96, device.Pool.Allocated); // the view freed nothing
        Assert.Equal(5f, t.ToArray()[5]);
        Assert.Throws<ArgumentException>(() => t.Reshape(5, 5));
    }
}
