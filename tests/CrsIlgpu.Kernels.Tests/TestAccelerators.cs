using System.Diagnostics;
using System.Runtime.CompilerServices;
using CrsIlgpu.Kernels.Runtime;
using ILGPU.Runtime;

namespace CrsIlgpu.Kernels.Tests;

/// <summary>
/// Shared devices for kernel tests. <see cref="Kernels"/> runs the ILGPU kernels: on the CPU
/// accelerator mimicking an NVIDIA device (warp 32), or on CUDA when CRS_TEST_DEVICE=cuda (the GPU
/// machine). <see cref="CpuBackend"/> runs the vectorized C# backend on host buffers.
/// </summary>
public static class TestAccelerators
{
    private static readonly Lazy<DeviceContext> KernelDevice = new(() => DeviceContext.Create(new DeviceOptions
    {
        Kind = IsCuda ? DeviceKind.Cuda : DeviceKind.Cpu,
        Mode = ExecutionMode.Kernels,
    }));

    private static readonly Lazy<DeviceContext> CpuDevice = new(() => DeviceContext.Create(new DeviceOptions
    {
        Kind = DeviceKind.Cpu,
        Mode = ExecutionMode.CpuBackend,
    }));

    /// <summary>ILGPU kernels on the CPU accelerator (or CUDA with CRS_TEST_DEVICE=cuda).</summary>
    public static DeviceContext Kernels => KernelDevice.Value;

    /// <summary>The C# CPU backend.</summary>
    public static DeviceContext CpuBackend => CpuDevice.Value;

    public static Accelerator Accelerator => Kernels.Accelerator;

    public static bool IsCuda =>
        string.Equals(Environment.GetEnvironmentVariable("CRS_TEST_DEVICE"), "cuda", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// ILGPU's CPU accelerator reports out-of-bounds accesses through Debug.Assert / Trace; with no
    /// listener that aborts the whole test process. Turn them into exceptions so one test fails.
    /// </summary>
    [ModuleInitializer]
    internal static void InstallThrowingTraceListener()
    {
        Trace.Listeners.Clear();
        Trace.Listeners.Add(new ThrowingTraceListener());
    }

    private sealed class ThrowingTraceListener : TraceListener
    {
        public override void Write(string? message) { }
        public override void WriteLine(string? message) { }
        public override void Fail(string? message, string? detailMessage) =>
            throw new InvalidOperationException($"Kernel assertion failed: {message} {detailMessage}");
    }
}
