using System.Diagnostics;
using System.Runtime.InteropServices;

namespace CrsIlgpu.Cli.Tests;

/// <summary>
/// Runs the built `crs` (crs.dll beside the test assembly) in a separate process, for what one
/// process cannot show: reproducibility across processes (.NET randomises some hashing per process)
/// and real signals.
/// </summary>
public static class CrsProcess
{
    /// <summary>Starts `dotnet crs.dll args` with stdout and stderr redirected (read them asynchronously).</summary>
    public static Process Start(IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment = null)
    {
        var info = new ProcessStartInfo(DotnetHost())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "crs.dll"));
        foreach (var arg in args)
            info.ArgumentList.Add(arg);
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
            info.Environment[name] = value;
        return Process.Start(info) ?? throw new InvalidOperationException("could not start crs");
    }

    /// <summary>Runs crs to the end (at most <paramref name="timeout"/>) and returns its exit code and output.</summary>
    public static (int Code, string Out, string Err) Run(IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment = null, TimeSpan? timeout = null)
    {
        using var process = Start(args, environment);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout ?? TimeSpan.FromMinutes(5)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("crs did not finish in time");
        }
        return (process.ExitCode, stdout.Result, stderr.Result);
    }

    /// <summary>Sends a POSIX signal (Process.Kill can only send SIGKILL).</summary>
    public static void Signal(Process process, PosixSignal signal)
    {
        var number = signal switch
        {
            PosixSignal.SIGINT => 2,
            PosixSignal.SIGTERM => 15,
            _ => throw new ArgumentOutOfRangeException(nameof(signal)),
        };
        if (Kill(process.Id, number) != 0)
            throw new InvalidOperationException($"kill({process.Id}, {number}) failed: errno {Marshal.GetLastPInvokeError()}");
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);

    // The dotnet host running this test (DOTNET_ROOT on the device bundle, the SDK's here).
    private static string DotnetHost()
    {
        var name = OperatingSystem.IsWindows() ? "dotnet.exe" : "dotnet";
        if (Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { } host && File.Exists(host))
            return host;
        // <root>/shared/Microsoft.NETCore.App/<version>/ → <root>/dotnet
        var root = Path.GetFullPath(Path.Combine(RuntimeEnvironment.GetRuntimeDirectory(), "..", "..", ".."));
        var candidate = Path.Combine(root, name);
        return File.Exists(candidate) ? candidate : name;
    }
}
