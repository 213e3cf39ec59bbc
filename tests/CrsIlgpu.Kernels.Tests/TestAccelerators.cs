using System.Diagnostics;
using System.Runtime.CompilerServices;
using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.CPU;
using ILGPU.Runtime.Cuda;

namespace CrsIlgpu.Kernels.Tests;

/// <summary>
/// One shared ILGPU accelerator for kernel tests: the CPU accelerator mimicking an NVIDIA device
/// (warp 32), or CUDA when CRS_TEST_DEVICE=cuda (used on the GPU machine).
/// </summary>
public static class TestAccelerators
{
    private static readonly Lazy<(Context Context, Accelerator Accelerator)> Shared = new(Create);

    public static Accelerator Accelerator => Shared.Value.Accelerator;

    public static bool IsCuda =>
        string.Equals(Environment.GetEnvironmentVariable("CRS_TEST_DEVICE"), "cuda", StringComparison.OrdinalIgnoreCase);

    private static (Context, Accelerator) Create()
    {
        var context = Context.Create(b => b.CPU(CPUDeviceKind.Nvidia).Cuda().EnableAlgorithms());
        if (IsCuda)
        {
            var cuda = context.GetCudaDevices();
            if (cuda.Count == 0)
                throw new InvalidOperationException("CRS_TEST_DEVICE=cuda but no CUDA device is visible");
            return (context, cuda[0].CreateAccelerator(context));
        }
        return (context, context.CreateCPUAccelerator(0));
    }

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
