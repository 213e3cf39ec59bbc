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

    /// <summary>The kernels device; the running test must carry the kernel-path trait (<see cref="KernelPathAttribute"/>).</summary>
    public static DeviceContext Kernels
    {
        get
        {
            KernelPathAttribute.Require("TestAccelerators.Kernels");
            return KernelDevice.Value;
        }
    }

    public static DeviceContext CpuBackend => CpuDevice.Value;

    public static Accelerator Accelerator => Kernels.Accelerator;

    /// <summary>The shared device for a test-device name of <see cref="TestDevices.Names"/>.</summary>
    public static DeviceContext Named(string name) => name switch
    {
        "kernels" => Kernels,
        "cpu" => CpuBackend,
        _ => throw new ArgumentException($"unknown test device '{name}'"),
    };

    public static bool IsCuda => TestDevices.IsCuda;
}
