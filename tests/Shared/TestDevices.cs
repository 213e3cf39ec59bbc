using CrsIlgpu.Kernels.Runtime;

namespace CrsIlgpu.Tests.Shared;

/// <summary>
/// Named devices for tests: "kernels" runs the ILGPU kernels on the CPU accelerator configured like
/// an NVIDIA device (warp 32), or on CUDA when CRS_TEST_DEVICE=cuda (the GPU machine); "cpu" runs the
/// C# CPU backend. <see cref="Create"/> gives a fresh context, so pool statistics are exact.
/// Reaching the kernels device needs the test's <see cref="KernelPathAttribute"/> trait.
/// </summary>
public static class TestDevices
{
    public const string KernelsName = "kernels";

    /// <summary>
    /// The device names, kernels first. On CUDA (CRS_TEST_DEVICE=cuda) the kernels device alone: a
    /// "cpu" row runs the C# backend, which the CPU runs check already, and would prove nothing new there.
    /// </summary>
    public static IReadOnlyList<string> NameList => IsCuda ? [KernelsName] : [KernelsName, "cpu"];

    /// <summary>One theory row per device name (<see cref="NameList"/>); a theory over these takes <see cref="KernelPathAttribute"/>.</summary>
    public static TheoryData<string> Names => new(NameList);

    public static bool IsCuda =>
        string.Equals(Environment.GetEnvironmentVariable("CRS_TEST_DEVICE"), "cuda", StringComparison.OrdinalIgnoreCase);

    private static readonly List<WeakReference<DeviceContext>> CudaDevices = [];

    public static DeviceContext Create(string name)
    {
        var device = name switch
        {
            KernelsName => CreateKernels(new DeviceOptions()),
            "cpu" => DeviceContext.Create(new DeviceOptions { Kind = DeviceKind.Cpu, Mode = ExecutionMode.CpuBackend }),
            _ => throw new ArgumentException($"unknown test device '{name}'"),
        };
        return device;
    }

    /// <summary>
    /// A kernels device with <paramref name="options"/> (profiling, precision, limits): CUDA when
    /// CRS_TEST_DEVICE=cuda, else the CPU accelerator; its kind and mode are set here. Watched by the fault guard.
    /// </summary>
    public static DeviceContext CreateKernels(DeviceOptions options)
    {
        KernelPathAttribute.Require("the kernels test device");
        var device = DeviceContext.Create(options with { Kind = IsCuda ? DeviceKind.Cuda : DeviceKind.Cpu, Mode = ExecutionMode.Kernels });
        if (device.IsCuda)
        {
            lock (CudaDevices)
                CudaDevices.Add(new WeakReference<DeviceContext>(device));
        }
        return device;
    }

    /// <summary>
    /// Synchronizes every live CUDA device made here; the first error (a kernel fault surfaces at
    /// the next synchronize) or null. See <see cref="CudaFaultGuardAttribute"/>.
    /// </summary>
    public static Exception? SynchronizeCudaDevices()
    {
        List<DeviceContext> live;
        lock (CudaDevices)
        {
            CudaDevices.RemoveAll(w => !w.TryGetTarget(out var d) || d.Accelerator.IsDisposed);
            live = CudaDevices.Select(w => w.TryGetTarget(out var d) ? d : null).OfType<DeviceContext>().ToList();
        }
        foreach (var device in live)
        {
            try
            {
                device.Synchronize();
            }
            catch (Exception ex) when (ex is not OutOfMemoryException and not ObjectDisposedException)
            {
                return ex;
            }
        }
        return null;
    }
}
