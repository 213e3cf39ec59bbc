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
    public static (int Code, string Out, string Err) Run(IEnumerable<string> args,
        IReadOnlyDictionary<string, string>? environment = null, TimeSpan? timeout = null)
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

    /// <summary>
    /// Runs crs and sends it <paramref name="signal"/> ("TERM", "INT") as soon as
    /// <paramref name="waitForFile"/> exists. A small bash script does the waiting and the kill(1),
    /// because on a loaded machine this process's threads can be starved for seconds while crs runs
    /// on (seen at a load average of 180 on 2 cores); job control (set -m) keeps SIGINT deliverable
    /// to a background job. Returns crs's exit code and output.
    /// </summary>
    public static (int Code, string Out, string Err) RunAndSignal(IEnumerable<string> args, string waitForFile, string signal, TimeSpan? timeout = null)
    {
        var folder = Directory.CreateTempSubdirectory("crs-signal-").FullName;
        try
        {
            var (stdout, stderr) = (Path.Combine(folder, "out"), Path.Combine(folder, "err"));
            const string script = """
                set -m
                file=$1; sig=$2; out=$3; err=$4; shift 4
                # A shell started in the background (e.g. `bash tools/test.sh &`) passes SIGINT on as
                # ignored, and .NET leaves an ignored SIGINT alone: give crs the default disposition back.
                reset=; if env --default-signal=INT true 2>/dev/null; then reset="env --default-signal=INT"; fi
                $reset "$@" >"$out" 2>"$err" &
                pid=$!
                while [ ! -e "$file" ] && kill -0 "$pid" 2>/dev/null; do sleep 0.02; done
                kill -"$sig" "$pid"
                wait "$pid"
                """;
            var info = new ProcessStartInfo("bash") { UseShellExecute = false, RedirectStandardError = true };
            foreach (var arg in new[] { "-c", script, "signal", waitForFile,
                signal, stdout, stderr, DotnetHost(), Path.Combine(AppContext.BaseDirectory, "crs.dll") }.Concat(args))
                info.ArgumentList.Add(arg);
            using var process = Process.Start(info) ?? throw new InvalidOperationException("could not start bash");
            var scriptErrors = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(timeout ?? TimeSpan.FromMinutes(5)))
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException("crs did not stop after the signal");
            }
            return (process.ExitCode, File.ReadAllText(stdout), File.ReadAllText(stderr) + scriptErrors.Result);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

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
