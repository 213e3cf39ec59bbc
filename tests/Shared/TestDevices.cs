using CrsIlgpu.Kernels.Runtime;

namespace CrsIlgpu.Tests.Shared;

/// <summary>
/// Named devices for tests: "kernels" runs the ILGPU kernels on the CPU accelerator configured like
/// an NVIDIA device (warp 32), or on CUDA when CRS_TEST_DEVICE=cuda (the GPU machine); "cpu" runs the
/// C# CPU backend. <see cref="Create"/> gives a fresh context, so pool statistics are exact.
/// </summary>
public static class TestDevices
{
    public static TheoryData<string> Names => ["kernels", "cpu"];

    public static bool IsCuda =>
        string.Equals(Environment.GetEnvironmentVariable("CRS_TEST_DEVICE"), "cuda", StringComparison.OrdinalIgnoreCase);

    public static DeviceContext Create(string name) => name switch
    {
        "kernels" => DeviceContext.Create(new DeviceOptions { Kind = IsCuda ? DeviceKind.Cuda : DeviceKind.Cpu, Mode = ExecutionMode.Kernels }),
        "cpu" => DeviceContext.Create(new DeviceOptions { Kind = DeviceKind.Cpu, Mode = ExecutionMode.CpuBackend }),
        _ => throw new ArgumentException($"unknown test device '{name}'"),
    };
}
