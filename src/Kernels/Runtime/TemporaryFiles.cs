using System.Diagnostics;
using System.Text.RegularExpressions;

namespace CrsIlgpu.Kernels.Runtime;

/// <summary>
/// The temporary entries crs writes before a rename, all tagged with the writing process's id:
/// <c>NAME.tmp-PID</c> (files and checkpoint folders), <c>.FOLDER.unpacking-PID</c> (a data pack being
/// unpacked) and <c>.NAME.PID.tmp.png</c> (a plot). A process that dies (killed, disk full, power loss)
/// leaves them behind; the next run removes those whose process is gone, and never one of a live
/// process (another crs writing the same folder). A pid reused by an unrelated live process only
/// delays the cleanup.
/// </summary>
public static partial class TemporaryFiles
{
    /// <summary>This process's temporary sibling of <paramref name="path"/>.</summary>
    public static string For(string path) => $"{path}.tmp-{Environment.ProcessId}";

    /// <summary>
    /// Deletes the stale temporary entries in <paramref name="folder"/> whose names start with
    /// <paramref name="namePrefix"/> (all of them when empty); returns what was removed. Entries that cannot
    /// be removed are left (a cleanup must never fail the run it precedes).
    /// </summary>
    public static IReadOnlyList<string> CleanStale(string folder, string namePrefix = "")
    {
        var removed = new List<string>();
        if (!Directory.Exists(folder))
            return removed;
        IEnumerable<string> entries;
        try
        {
            entries = Directory.EnumerateFileSystemEntries(folder, namePrefix + "*").ToList();
        }
        catch (Exception ex) when (FileSystemError.IsFileSystem(ex))
        {
            return removed;
        }
        foreach (var entry in entries)
        {
            if (OwnerOf(Path.GetFileName(entry)) is not { } pid || pid == Environment.ProcessId || IsAlive(pid))
                continue;
            try
            {
                if (Directory.Exists(entry))
                    Directory.Delete(entry, recursive: true);
                else
                    File.Delete(entry);
                removed.Add(entry);
            }
            catch (Exception ex) when (FileSystemError.IsFileSystem(ex))
            {
                // Left for a later run; the caller's own work does not depend on it.
            }
        }
        return removed;
    }

    /// <summary>The pid a temporary entry's name carries, or null when the name is not one of crs's temporaries.</summary>
    public static int? OwnerOf(string name)
    {
        var match = Pattern().Match(name);
        if (!match.Success)
            return null;
        var digits = match.Groups["a"].Success ? match.Groups["a"].Value : match.Groups["b"].Value;
        return int.TryParse(digits, out var pid) && pid > 0 ? pid : null;
    }

    /// <summary>Best-effort removal of this process's own temporary after a failed write.</summary>
    public static void TryDelete(string path)
    {
        try
        {
            if (Directory.Exists(path))
                Directory.Delete(path, recursive: true);
            else if (File.Exists(path))
                File.Delete(path);
        }
        catch (Exception ex) when (FileSystemError.IsFileSystem(ex))
        {
            // The original failure is what the user needs to see; the next run removes the leftover.
        }
    }

    public static bool IsAlive(int pid)
    {
        if (OperatingSystem.IsLinux())
            return Directory.Exists($"/proc/{pid}");
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false; // no such process
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    [GeneratedRegex(@"(\.(tmp|unpacking)-(?<a>\d+)$)|(^\..+\.(?<b>\d+)\.tmp\.png$)")]
    private static partial Regex Pattern();
}
