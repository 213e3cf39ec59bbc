using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace CrsIlgpu.Tests.Shared;

/// <summary>
/// ILGPU's CPU accelerator reports out-of-bounds accesses through Debug.Assert / Trace; with no
/// listener that aborts the whole test process. This turns them into exceptions so one test fails.
/// </summary>
public sealed class ThrowingTraceListener : TraceListener
{
    [ModuleInitializer]
    internal static void Install()
    {
        Trace.Listeners.Clear();
        Trace.Listeners.Add(new ThrowingTraceListener());
    }

    public override void Write(string? message) { }

    public override void WriteLine(string? message) { }

    public override void Fail(string? message, string? detailMessage) =>
        throw new InvalidOperationException($"Kernel assertion failed: {message} {detailMessage}");
}
