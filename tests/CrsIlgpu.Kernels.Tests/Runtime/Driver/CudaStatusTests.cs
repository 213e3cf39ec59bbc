using CrsIlgpu.Kernels.Runtime.Driver;

namespace CrsIlgpu.Kernels.Tests.Runtime.Driver;

public class CudaStatusTests
{
    private static readonly CudaDriverSearch Loaded = new([new CudaDriverSearch.Attempt("/usr/lib64/libcuda.so.1", null)], "/usr/lib64/libcuda.so.1",
        new IntPtr(1));

    [Fact]
    public void NoLibraryNamesEveryPathTriedOnOneLine()
    {
        var search = new CudaDriverSearch(
            [new CudaDriverSearch.Attempt("libcuda.so.1", "libcuda.so.1: cannot open shared object file"), new CudaDriverSearch.Attempt("libcuda.so",
                "libcuda.so: cannot open shared object file")],
            null, IntPtr.Zero);
        var status = new CudaStatus("registered", search, false, null, null, null, [], 0);

        var line = status.Describe();
        Assert.False(status.Usable);
        Assert.DoesNotContain("\n", line);
        Assert.Contains("tried libcuda.so.1: libcuda.so.1: cannot open shared object file; libcuda.so:", line);
        Assert.Contains("CUDA API is unavailable", line);
    }

    [Fact]
    public void ADeviceIlgpuDropsSaysWhy()
    {
        var status = new CudaStatus("registered", Loaded, true, "13.0", 1, null,
            [new CudaDeviceStatus(0, "NVIDIA H200", "9.0", null, "ILGPU has no PTX ISA for target SM_80 with driver 13.0")], 0);

        var line = status.Describe();
        Assert.Contains("driver library /usr/lib64/libcuda.so.1", line);
        Assert.Contains("driver API 13.0", line);
        Assert.Contains("1 device(s)", line);
        Assert.Contains("device 0: NVIDIA H200 (sm 9.0, PTX ISA none) unusable: ILGPU has no PTX ISA", line);
        Assert.Contains("ILGPU enumerated 0", line);
    }

    [Fact]
    public void AFailedDeviceCountIsReported()
    {
        var status = new CudaStatus("registered", Loaded, true, "13.0", null, "CUDA_ERROR_NO_DEVICE (no CUDA-capable device is detected)", [], 0);
        Assert.Contains("device count failed: CUDA_ERROR_NO_DEVICE", status.Describe());
    }

    [Fact]
    public void ALoadedLibraryWhoseCuInitFailedSaysTheCode()
    {
        var status = new CudaStatus("registered", Loaded, false, null, null, null, [], 0) { InitResult = 803 };

        var line = status.Describe();
        Assert.Contains("ILGPU's CUDA API is unavailable although the library loaded", line);
        Assert.Contains("cuInit returned 803 CUDA_ERROR_SYSTEM_DRIVER_MISMATCH", line);
        Assert.DoesNotContain("lacks", line);
    }

    [Fact]
    public void ALoadedLibraryLackingEntryPointsNamesThem()
    {
        var status = new CudaStatus("registered", Loaded, false, null, null, null, [], 0)
        {
            MissingEntryPoints = ["cuCtxGetSharedMemConfig"],
        };

        var line = status.Describe();
        Assert.Contains("/usr/lib64/libcuda.so.1 lacks 1 of the 48 driver entry points ILGPU binds: cuCtxGetSharedMemConfig", line);
        Assert.Contains("cuInit could not be called (not exported)", line);
    }

    [Fact]
    public void OnThisMachineTheProbeAgreesWithIlgpu()
    {
        var ilgpuCuda = DeviceContext.ListDevices().Count(d => d.Kind == "Cuda");
        var status = CudaProbe.Run(ilgpuCuda);
        var ilgpuSeesCuda = ilgpuCuda > 0;
        Assert.Equal(ilgpuSeesCuda, status.Usable);
        if (!status.ApiSupported)
        {
            Assert.Null(status.DriverVersion);
            Assert.NotEmpty(status.Library.Attempts);
        }
        else
        {
            Assert.NotNull(status.DriverVersion);
            Assert.Equal(status.DeviceCount, status.Devices.Count);
        }
    }
}
