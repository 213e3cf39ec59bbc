using System.Diagnostics;
using System.Text.Json.Nodes;

namespace CrsIlgpu.Kernels.Bench;

/// <summary>
/// A reference script kept running and paced line by line (one command in, one JSON line out), so a
/// bench can alternate its own steps with the reference's and machine noise hits both alike.
/// Started like <see cref="PythonReference"/> (the interpreter with torch first).
/// </summary>
public sealed class PythonSession : IDisposable
{
    private readonly Process _process;
    private readonly Task<string> _errors;

    private PythonSession(Process process)
    {
        _process = process;
        _errors = process.StandardError.ReadToEndAsync();
    }

    /// <summary>Starts the script and waits for its first JSON line (its "ready"); null and why when it cannot start.</summary>
    public static (PythonSession? Session, JsonObject? First, string? Why) Start(string script, IEnumerable<string> args, string? python = null)
    {
        var path = Path.IsPathRooted(script) ? script : PythonReference.ScriptPath(script);
        if (!File.Exists(path))
            return (null, null, $"{path} is missing");
        string? why = null;
        foreach (var interpreter in python is null ? PythonReference.Interpreters : [python])
        {
            var start = PythonReference.StartInfo(interpreter, path, args, redirectInput: true);
            Process? process;
            try
            {
                process = Process.Start(start);
            }
            catch (System.ComponentModel.Win32Exception ex)
            {
                why = $"{interpreter}: {ex.Message}";
                continue;
            }
            if (process is null)
                continue;
            var session = new PythonSession(process);
            var first = session.ReadJson();
            if (first is not null)
                return (session, first, null);
            why = $"{Path.GetFileName(path)} failed with {interpreter}: {session.LastError()}";
            session.Dispose();
        }
        return (null, null, why ?? "no python3 found");
    }

    /// <summary>Sends one command line and returns the script's JSON answer, or null if it ended.</summary>
    public JsonObject? Ask(string command)
    {
        _process.StandardInput.WriteLine(command);
        _process.StandardInput.Flush();
        return ReadJson();
    }

    /// <summary>Ends the input and returns the script's last JSON line (its summary), or null.</summary>
    public JsonObject? Finish()
    {
        _process.StandardInput.WriteLine("end");
        _process.StandardInput.Close();
        JsonObject? last = null;
        while (ReadJson() is { } line)
            last = line;
        _process.WaitForExit();
        return _process.ExitCode == 0 ? last : null;
    }

    /// <summary>The last line the script wrote on stderr (its error, when it failed).</summary>
    public string LastError()
    {
        // stderr is read asynchronously: after the process ends, wait for that read to finish too.
        var text = _process.WaitForExit(5000) && _errors.Wait(5000) ? _errors.Result : "";
        return text.Trim().Split('\n').LastOrDefault()?.Trim() ?? "";
    }

    private JsonObject? ReadJson()
    {
        while (_process.StandardOutput.ReadLine() is { } line)
        {
            line = line.Trim();
            if (line.StartsWith('{'))
                return JsonNode.Parse(line)!.AsObject();
        }
        return null;
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
                _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // already gone
        }
        _process.Dispose();
    }
}
