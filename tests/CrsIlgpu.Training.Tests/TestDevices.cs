using System.Diagnostics;
using System.Runtime.CompilerServices;
using CrsIlgpu.Kernels.Runtime;

namespace CrsIlgpu.Training.Tests;

/// <summary>Devices for training tests: a fresh context per test so pool statistics are exact.</summary>
public static class TestDevices
{
    public static TheoryData<string> Names => ["kernels", "cpu"];

    /// <summary>"kernels": ILGPU kernels on the CPU accelerator (or CUDA with CRS_TEST_DEVICE=cuda); "cpu": the C# backend.</summary>
    public static DeviceContext Create(string name)
    {
        var cuda = string.Equals(Environment.GetEnvironmentVariable("CRS_TEST_DEVICE"), "cuda", StringComparison.OrdinalIgnoreCase);
        return name == "kernels"
            ? DeviceContext.Create(new DeviceOptions { Kind = cuda ? DeviceKind.Cuda : DeviceKind.Cpu, Mode = ExecutionMode.Kernels })
            : DeviceContext.Create(new DeviceOptions { Kind = DeviceKind.Cpu, Mode = ExecutionMode.CpuBackend });
    }

    /// <summary>Kernel asserts on the CPU accelerator go through Trace; make them fail one test instead of the process.</summary>
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
