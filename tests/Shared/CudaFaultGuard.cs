using System.Reflection;
using CrsIlgpu.Kernels.Runtime;
using CrsIlgpu.Tests.Shared;
using Xunit.v3;

[assembly: CudaFaultGuard]

namespace CrsIlgpu.Tests.Shared;

/// <summary>
/// On CUDA (CRS_TEST_DEVICE=cuda) one faulting kernel poisons its CUDA context: every later launch
/// or synchronize on it fails, and the tests sharing that device would all turn red with errors
/// that do not say where the fault came from. After each test this synchronizes every live CUDA
/// test device; the first test whose device fails is named (in its own failure, on stderr and in
/// CRS_CUDA_FAULT_LOG when set), and every later test fails at once with that name instead of
/// running on a poisoned context. Faults are attributed right only when tests run one at a time:
/// on CUDA, tools/device/run.sh runs the test exes with `-parallel none` (the tests then share the
/// GPU one after another, each device on the legacy default stream). On the CPU it does nothing.
/// </summary>
[AttributeUsage(AttributeTargets.Assembly)]
public sealed class CudaFaultGuardAttribute : BeforeAfterTestAttribute
{
    /// <summary>This process's record (tests of the guard make their own).</summary>
    public static readonly Recorder Faults = new(Environment.GetEnvironmentVariable("CRS_CUDA_FAULT_LOG"));

    public override void Before(MethodInfo methodUnderTest, IXunitTest test) => Faults.ThrowIfPoisoned();

    public override void After(MethodInfo methodUnderTest, IXunitTest test)
    {
        if (!TestDevices.IsCuda || Faults.First is not null)
            return;
        if (TestDevices.SynchronizeCudaDevices() is { } error)
            throw new InvalidOperationException($"CUDA fault after this test (the first in this process): {Faults.Record(test.TestDisplayName, error)}");
    }

    /// <summary>The first fault of a process: kept once, reported once, named by every later test.</summary>
    public sealed class Recorder(string? logFile)
    {
        private readonly Lock _gate = new();
        private string? _first;

        /// <summary>"test: error" of the first fault, or null.</summary>
        public string? First
        {
            get
            {
                lock (_gate)
                    return _first;
            }
        }

        /// <summary>Keeps the first fault (later ones are consequences) and writes it to stderr and the log file; returns it.</summary>
        public string Record(string testName, Exception error)
        {
            lock (_gate)
            {
                if (_first is not null)
                    return _first;
                _first = $"{testName}: {error.GetType().Name}: {error.Message.Split('\n')[0]}";
                var line = $"CUDA fault: first in test {_first}";
                Console.Error.WriteLine(line);
                if (logFile is { Length: > 0 })
                    File.AppendAllText(logFile, line + Environment.NewLine);
                return _first;
            }
        }

        public void ThrowIfPoisoned()
        {
            if (First is { } fault)
                throw new InvalidOperationException($"not run: the CUDA context was poisoned by an earlier fault in {fault}");
        }
    }
}
