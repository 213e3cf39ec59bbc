using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace CrsIlgpu.Kernels.Runtime;

/// <summary>Runs NVIDIA's PTX assembler on a PTX file and reads its resource report.</summary>
public static partial class Ptxas
{
    private static readonly string[] KnownLocations =
    [
        "/usr/lib/nvidia-cuda-toolkit/bin/ptxas",
        "/usr/local/cuda/bin/ptxas",
    ];

    /// <summary>Path of ptxas: $CRS_PTXAS, then PATH, then the usual install folders; null if absent.</summary>
    public static string? Find()
    {
        var explicitPath = Environment.GetEnvironmentVariable("CRS_PTXAS");
        if (!string.IsNullOrEmpty(explicitPath))
            return File.Exists(explicitPath) ? explicitPath : null;
        var path = Environment.GetEnvironmentVariable("PATH") ?? "";
        foreach (var dir in path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(dir, "ptxas");
            if (File.Exists(candidate))
                return candidate;
        }
        return KnownLocations.FirstOrDefault(File.Exists);
    }

    /// <summary>Assembles <paramref name="ptxFile"/> for sm_<paramref name="sm"/>; throws with ptxas's own message on failure.</summary>
    public static PtxasReport Assemble(string ptxas, string ptxFile, int sm)
    {
        var cubin = Path.ChangeExtension(ptxFile, $".sm_{sm}.cubin");
        var start = new ProcessStartInfo(ptxas)
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { $"-arch=sm_{sm}", "-v", "-o", cubin, ptxFile })
            start.ArgumentList.Add(arg);
        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start ptxas");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        var output = stdout.Result + stderr;
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"ptxas exited with {process.ExitCode}: {output.Trim()}");
        File.Delete(cubin);
        return Parse(output);
    }

    /// <summary>Sums the figures ptxas prints for every entry in the file (one entry per catalog kernel).</summary>
    public static PtxasReport Parse(string output)
    {
        int registers = Max(RegistersRegex(), output);
        long shared = Max(SharedRegex(), output);
        long stack = Max(StackRegex(), output);
        long spillStores = Max(SpillStoresRegex(), output);
        long spillLoads = Max(SpillLoadsRegex(), output);
        if (!UsedRegex().IsMatch(output))
            throw new InvalidOperationException("ptxas printed no resource usage (was -v passed?): " + output.Trim());
        return new PtxasReport(registers, shared, spillStores, spillLoads, stack);
    }

    private static int Max(Regex regex, string text) =>
        regex.Matches(text).Select(m => int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)).DefaultIfEmpty(0).Max();

    [GeneratedRegex(@"Used (\d+) registers")]
    private static partial Regex RegistersRegex();

    [GeneratedRegex(@"Used \d+ registers")]
    private static partial Regex UsedRegex();

    [GeneratedRegex(@"(\d+) bytes smem")]
    private static partial Regex SharedRegex();

    [GeneratedRegex(@"(\d+) bytes stack frame")]
    private static partial Regex StackRegex();

    [GeneratedRegex(@"(\d+) bytes spill stores")]
    private static partial Regex SpillStoresRegex();

    [GeneratedRegex(@"(\d+) bytes spill loads")]
    private static partial Regex SpillLoadsRegex();
}

/// <summary>What `ptxas -v` says of one kernel: resources per thread and per group.</summary>
public sealed record PtxasReport(int Registers, long SharedBytes, long SpillStoreBytes, long SpillLoadBytes, long StackBytes);
