using System.Diagnostics;
using System.Text;

namespace CrsIlgpu.Kernels.Runtime.Driver;

/// <summary>
/// Brings a kernel's load failure to the user. ILGPU writes the CUDA JIT's error log (PTX that the
/// driver refuses) only to System.Diagnostics.Trace, then throws a bare CudaException. While a
/// kernel loads, this listener keeps what ILGPU traces on that thread; if the load throws, the
/// whole log goes to a file and the error names the kernel, the log's first line and the file.
/// </summary>
public sealed class KernelLoadLog : TraceListener
{
    private static readonly KernelLoadLog Instance = new();

    [ThreadStatic]
    private static StringBuilder? _captured;

    private KernelLoadLog()
        : base("crs-kernel-load")
    {
    }

    /// <summary>Where failed loads write their logs (the temp folder unless CRS_LOG_DIR is set).</summary>
    public static string Folder => Environment.GetEnvironmentVariable("CRS_LOG_DIR") is { Length: > 0 } dir ? dir : Path.GetTempPath();

    /// <summary>Runs <paramref name="load"/>; a failure becomes a <see cref="KernelLoadException"/> (exit 1) naming the log file.</summary>
    public static T Capture<T>(string kernel, string device, Func<T> load)
    {
        // Tests (and users) may clear Trace.Listeners; make sure ours is there for this load.
        lock (Trace.Listeners)
        {
            if (!Trace.Listeners.Contains(Instance))
                Trace.Listeners.Add(Instance);
        }
        var outer = _captured;
        _captured = new StringBuilder();
        try
        {
            return load();
        }
        catch (Exception ex) when (ex is not CrsException)
        {
            throw Failure(kernel, device, _captured.ToString(), ex);
        }
        finally
        {
            _captured = outer;
        }
    }

    /// <summary>The error for a failed load: the log's first informative line in the message, all of it in a file.</summary>
    public static KernelLoadException Failure(string kernel, string device, string log, Exception ex)
    {
        var lines = log.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        // ILGPU's first traced line is its own header ("PTX Kernel loading failed:"); the JIT's text follows.
        var first = lines.FirstOrDefault(l => !l.StartsWith("PTX Kernel loading failed", StringComparison.Ordinal)) ?? ex.Message.Split('\n')[0];
        var file = Path.Combine(Folder, $"crs-kernel-load-{kernel}-{Environment.ProcessId}.log");
        string where;
        string? written = null;
        try
        {
            Directory.CreateDirectory(Folder);
            File.WriteAllText(file, $"kernel: {kernel}\ndevice: {device}\nerror: {ex}\n\ntrace:\n{log}");
            where = $"full log: {file}";
            written = file;
        }
        catch (Exception io) when (io is IOException or UnauthorizedAccessException)
        {
            where = $"the log could not be written to {file}: {io.Message}";
        }
        return new KernelLoadException($"kernel {kernel} failed to load on {device}: {first} ({ex.GetType().Name}; {where})", kernel, first, written, ex);
    }

    public override void Write(string? message) => _captured?.Append(message);

    public override void WriteLine(string? message) => _captured?.Append(message).Append('\n');
}
