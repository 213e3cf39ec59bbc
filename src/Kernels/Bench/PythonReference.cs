using System.Diagnostics;
using System.Text.Json.Nodes;

namespace CrsIlgpu.Kernels.Bench;

/// <summary>
/// Runs a reference script (numpy on the CPU, PyTorch on a GPU) from the `reference` folder next to
/// the program, so an external library is measured on the same machine in the same run. Each
/// script prints one JSON object per line.
/// </summary>
public static class PythonReference
{
    public static string ScriptPath(string name) => Path.Combine(AppContext.BaseDirectory, "reference", name);

    /// <summary>The interpreters tried in order: the system's (where Debian's python3-torch lives) before PATH's.</summary>
    public static IReadOnlyList<string> Interpreters { get; } = ["/usr/bin/python3", "python3"];

    /// <summary>How a script is started: redirected output and error, the arguments as given.</summary>
    public static ProcessStartInfo StartInfo(string interpreter, string path, IEnumerable<string> args, bool redirectInput = false)
    {
        var start = new ProcessStartInfo(interpreter)
        {
            RedirectStandardInput = redirectInput, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        start.ArgumentList.Add(path);
        foreach (var a in args)
            start.ArgumentList.Add(a);
        return start;
    }

    /// <summary>Returns the JSON lines, or null and why the reference could not run.</summary>
    public static (IReadOnlyList<JsonObject>? Rows, string? Why) Run(string script, IEnumerable<string> args, IReadOnlyDictionary<string,
        string?>? environment = null)
    {
        var path = ScriptPath(script);
        if (!File.Exists(path))
            return (null, $"{path} is missing");
        foreach (var python in Interpreters)
        {
            var start = StartInfo(python, path, args);
            foreach (var (key, value) in environment ?? new Dictionary<string, string?>())
            {
                if (value is null)
                    start.Environment.Remove(key);
                else
                    start.Environment[key] = value;
            }

            Process? process;
            try
            {
                process = Process.Start(start);
            }
            catch (System.ComponentModel.Win32Exception)
            {
                continue;
            }
            if (process is null)
                continue;
            using (process)
            {
                var errTask = process.StandardError.ReadToEndAsync();
                var output = process.StandardOutput.ReadToEnd();
                process.WaitForExit();
                if (process.ExitCode != 0)
                {
                    var err = errTask.Result.Trim().Split('\n').LastOrDefault() ?? "";
                    if (python == Interpreters[^1])
                        return (null, $"{script} failed with {python}: {err}");
                    continue;
                }
                var rows = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                    .Where(l => l.StartsWith('{'))
                    .Select(l => JsonNode.Parse(l)!.AsObject())
                    .ToList();
                return (rows, null);
            }
        }
        return (null, "no python3 found");
    }
}
