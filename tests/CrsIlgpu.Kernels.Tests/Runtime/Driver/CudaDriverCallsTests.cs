using System.Runtime.InteropServices;
using CrsIlgpu.Kernels.Runtime.Driver;

namespace CrsIlgpu.Kernels.Tests.Runtime.Driver;

public class CudaDriverCallsTests
{
    [Fact]
    public void CuInitsCodeIsKept()
    {
        var calls = new CudaDriverCalls(FakeDriver.Exports(init: 803, devices: 0));
        Assert.Equal(803, calls.Init());
        Assert.Equal(0, calls.DriverVersion(out var version));
        Assert.Equal(13000, version);
    }

    [Fact]
    public void TheDeviceCountComesBackThroughThePointer()
    {
        var calls = new CudaDriverCalls(FakeDriver.Exports(init: 0, devices: 2));
        Assert.Equal(0, calls.Init());
        Assert.Equal(0, calls.DeviceCount(out var count));
        Assert.Equal(2, count);
    }

    [Fact]
    public void AFunctionTheLibraryLacksIsNotCalled()
    {
        var calls = new CudaDriverCalls(FakeDriver.Exports(init: 0, devices: 1, "cuInit", "cuDeviceGetCount"));
        Assert.Null(calls.Init());
        Assert.Null(calls.DeviceCount(out _));
        Assert.Null(CudaDriverCalls.Of(NativeLibrary.Load("libc.so.6")).Init());
    }
}
