using System.Reflection;
using System.Runtime.InteropServices;

namespace CrsIlgpu.Kernels.Runtime.Driver;

/// <summary>
/// Finds the CUDA driver library for ILGPU. ILGPU 1.5.3 imports the driver as "cuda", which .NET on
/// Linux probes as libcuda.so, cuda.so, libcuda and cuda — never libcuda.so.1, the only name a
/// driver install is guaranteed to have (libcuda.so comes with the toolkit's dev files). When that
/// load fails ILGPU silently reports no CUDA device. A resolver on ILGPU's assembly maps "cuda" to
/// libcuda.so.1 (then libcuda.so): first in LD_LIBRARY_PATH and the usual driver folders, then by
/// the dynamic loader's own search (ld.so.cache). Every attempt and its reason is kept for
/// `crs devices` and the `--device cuda` error.
/// </summary>
public static class CudaDriverLibrary
{
    /// <summary>The name ILGPU's CudaAPI imports on Linux.</summary>
    public const string ImportName = "cuda";

    /// <summary>File names in the order they are tried: the driver's soname first.</summary>
    public static IReadOnlyList<string> FileNames { get; } = ["libcuda.so.1", "libcuda.so"];

    /// <summary>Driver folders after LD_LIBRARY_PATH: containers (nvidia-container-toolkit), Debian/Ubuntu, RHEL, WSL.</summary>
    public static IReadOnlyList<string> UsualFolders { get; } =
        ["/usr/local/nvidia/lib64", "/usr/lib/x86_64-linux-gnu", "/usr/lib64", "/usr/lib/wsl/lib"];

    private static readonly Lock Gate = new();
    private static bool _registered;
    private static CudaDriverSearch? _search;

    /// <summary>How the resolver came to be (or not): shown by `crs devices`.</summary>
    public static string Registration { get; private set; } = "not registered yet";

    /// <summary>The search made when ILGPU first asked for the driver; null if it has not asked.</summary>
    public static CudaDriverSearch? Search
    {
        get
        {
            lock (Gate)
                return _search;
        }
    }

    /// <summary>
    /// Registers the resolver on ILGPU's assembly; call before anything touches ILGPU's CUDA API
    /// (DeviceContext does). Idempotent. On WSL ILGPU registers its own resolver for
    /// /usr/lib/wsl/lib and would fail if one were already set, so there it is left to ILGPU.
    /// </summary>
    public static void Register()
    {
        lock (Gate)
        {
            if (_registered)
                return;
            _registered = true;
            if (!OperatingSystem.IsLinux())
            {
                Registration = "not needed: not Linux";
                return;
            }
            if (IsWsl())
            {
                Registration = "left to ILGPU: WSL (ILGPU resolves the driver in /usr/lib/wsl/lib itself)";
                return;
            }
            try
            {
                NativeLibrary.SetDllImportResolver(typeof(Context).Assembly, Resolve);
                Registration = Environment.GetEnvironmentVariable(OverrideVariable) is { Length: > 0 } path
                    ? $"registered: \"cuda\" → {path} only ({OverrideVariable})"
                    : "registered: \"cuda\" → libcuda.so.1, then libcuda.so";
            }
            catch (InvalidOperationException ex)
            {
                // Another resolver owns ILGPU's assembly; .NET's default probing applies.
                Registration = "not registered: " + ex.Message;
            }
        }
    }

    /// <summary>
    /// The paths to try, in order: for each file name, LD_LIBRARY_PATH's folders then
    /// <paramref name="folders"/> where the file exists, then the bare name for the loader's own
    /// search. Pure (the file test is passed in), so the order is testable with fake files.
    /// </summary>
    public static IReadOnlyList<string> Candidates(string? ldLibraryPath, IReadOnlyList<string> folders, Func<string, bool> exists)
    {
        var dirs = (ldLibraryPath ?? "")
            .Split(':', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Concat(folders)
            .Select(d => d.TrimEnd('/'))
            .Where(d => d.Length > 0)
            .Distinct(StringComparer.Ordinal)
            .ToList();
        var result = new List<string>();
        foreach (var name in FileNames)
        {
            result.AddRange(dirs.Select(d => Path.Combine(d, name)).Where(exists));
            result.Add(name);
        }
        return result;
    }

    /// <summary>
    /// Tries each candidate until one loads; <paramref name="load"/> returns the handle or throws
    /// with the loader's reason (NativeLibrary.Load's DllNotFoundException carries dlerror's text).
    /// </summary>
    public static CudaDriverSearch Find(IReadOnlyList<string> candidates, Func<string, IntPtr> load)
    {
        var attempts = new List<CudaDriverSearch.Attempt>();
        foreach (var path in candidates)
        {
            try
            {
                var handle = load(path);
                attempts.Add(new CudaDriverSearch.Attempt(path, null));
                return new CudaDriverSearch(attempts, path, handle);
            }
            catch (Exception ex) when (ex is DllNotFoundException or BadImageFormatException or IOException)
            {
                attempts.Add(new CudaDriverSearch.Attempt(path, Reason(ex.Message)));
            }
        }
        return new CudaDriverSearch(attempts, null, IntPtr.Zero);
    }

    /// <summary>
    /// A path (or bare name) that replaces the whole search: the one library tried. For a machine
    /// with two drivers (a CUDA compat libcuda beside the system's) and for tests, which point it at
    /// a library that is not a driver (libc) to see every entry point reported missing.
    /// </summary>
    public const string OverrideVariable = "CRS_CUDA_LIBRARY";

    /// <summary>The search this machine would make now (for diagnostics when ILGPU never asked).</summary>
    public static CudaDriverSearch SearchNow() =>
        Find(Environment.GetEnvironmentVariable(OverrideVariable) is { Length: > 0 } path
            ? [path]
            : Candidates(Environment.GetEnvironmentVariable("LD_LIBRARY_PATH"), UsualFolders, File.Exists), NativeLibrary.Load);

    private static IntPtr Resolve(string libraryName, Assembly assembly, DllImportSearchPath? searchPath)
    {
        if (!string.Equals(libraryName, ImportName, StringComparison.Ordinal))
            return IntPtr.Zero;
        lock (Gate)
        {
            _search ??= SearchNow();
            // Zero lets .NET's default probing run; it fails the same way and ILGPU reports no CUDA API.
            return _search.Handle;
        }
    }

    /// <summary>The test ILGPU itself uses (CudaContextExtensions.IsRunningOnWSL).</summary>
    private static bool IsWsl()
    {
        try
        {
            return File.ReadAllText("/proc/version").Contains("Microsoft", StringComparison.OrdinalIgnoreCase)
                && Directory.Exists("/usr/lib/wsl/lib");
        }
        catch (IOException)
        {
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>
    /// The loader's reason: .NET's message starts with a generic "Unable to load shared library"
    /// line and lists dlerror's text for each probe after it ("…: invalid ELF header").
    /// </summary>
    private static string Reason(string text)
    {
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var details = lines.Skip(1).Distinct(StringComparer.Ordinal).Take(2).ToList();
        if (details.Count > 0)
            return string.Join(" | ", details);
        return lines.Length > 0 ? lines[0] : "could not be loaded";
    }
}
