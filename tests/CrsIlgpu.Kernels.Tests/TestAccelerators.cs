using CrsIlgpu.Kernels.Runtime;
using CrsIlgpu.Tests.Shared;
using ILGPU.Runtime;

namespace CrsIlgpu.Kernels.Tests;

/// <summary>
/// Shared devices for kernel tests, created once: <see cref="Kernels"/> runs the ILGPU kernels (CPU
/// accelerator with warp 32, or CUDA with CRS_TEST_DEVICE=cuda), <see cref="CpuBackend"/> the C# backend.
/// </summary>
public static class TestAccelerators
{
    private static readonly Lazy<DeviceContext> KernelDevice = new(() => TestDevices.Create("kernels"));
    private static readonly Lazy<DeviceContext> CpuDevice = new(() => TestDevices.Create("cpu"));

    public static DeviceContext Kernels => KernelDevice.Value;

    public static DeviceContext CpuBackend => CpuDevice.Value;

    public static Accelerator Accelerator => Kernels.Accelerator;

    public static bool IsCuda => TestDevices.IsCuda;
}
