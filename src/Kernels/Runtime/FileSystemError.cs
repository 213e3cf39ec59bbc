using System.Text.RegularExpressions;

namespace CrsIlgpu.Kernels.Runtime;

/// <summary>
/// Turns what the file system refuses (permission, read-only, a file where a folder should be, a full
/// disk) into the one-line <see cref="CrsException"/> every user error gets, naming the path. A full
/// disk has its own exit code so scripts can tell "free some space and rerun" from a wrong option.
/// </summary>
public static partial class FileSystemError
{
    /// <summary>Exit code of a write that failed because the disk (or quota) is full.</summary>
    public const int DiskFullExitCode = 5;

    private const int Enospc = 28, Edquot = 122, Enotdir = 20, Eisdir = 21, Erofs = 30;
    private const int WindowsDiskFull = unchecked((int)0x80070070), WindowsHandleDiskFull = unchecked((int)0x80070027);

    public static bool IsFileSystem(Exception ex) => ex is IOException or UnauthorizedAccessException;

    /// <summary>True for "no space left on device" (Linux errno ENOSPC/EDQUOT, Windows ERROR_DISK_FULL).</summary>
    public static bool IsDiskFull(Exception ex) =>
        ex is IOException { HResult: Enospc or Edquot or WindowsDiskFull or WindowsHandleDiskFull };

    /// <summary>"path: reason" for <paramref name="ex"/>; the path is <paramref name="path"/> or, failing that, the one .NET put in its message.</summary>
    public static CrsException Wrap(Exception ex, string? path = null)
    {
        var quoted = QuotedPath().Match(ex.Message);
        var prefix = path ?? (quoted.Success ? quoted.Groups[1].Value : null);
        var reason = path is not null && FileInTheWay(path) is { } file ? $"'{file}' is a file, not a folder" : Reason(ex);
        var text = prefix is null ? reason : $"{prefix}: {reason}";
        return new CrsException(text, IsDiskFull(ex) ? DiskFullExitCode : 2, ex);
    }

    /// <summary>The nearest existing ancestor of <paramref name="path"/> when it is a file (so nothing can be created below it), else null.</summary>
    public static string? FileInTheWay(string path)
    {
        for (var p = Path.GetDirectoryName(Path.GetFullPath(path)); !string.IsNullOrEmpty(p); p = Path.GetDirectoryName(p))
        {
            if (File.Exists(p))
                return p;
            if (Directory.Exists(p))
                return null;
        }
        return null;
    }

    /// <summary>
    /// Refuses, before any work is done, an output file path that cannot be written: an existing folder,
    /// or a path below a file. (Permissions and space show only when writing.)
    /// </summary>
    public static void CheckOutputFile(string option, string? path)
    {
        if (path is null)
            return;
        if (string.IsNullOrWhiteSpace(path))
            throw new CrsException($"{option}: give a file name");
        if (Directory.Exists(path))
            throw new CrsException($"{option}: '{path}' is a folder, not a file");
        if (FileInTheWay(path) is { } file)
            throw new CrsException($"{option}: cannot write '{path}': '{file}' is a file, not a folder");
    }

    /// <summary>Like <see cref="CheckOutputFile"/> for an output folder: not an existing file, not below a file.</summary>
    public static void CheckOutputFolder(string option, string? path)
    {
        if (path is null)
            return;
        if (string.IsNullOrWhiteSpace(path))
            throw new CrsException($"{option}: give a folder");
        if (File.Exists(path))
            throw new CrsException($"{option}: '{path}' is a file, not a folder");
        if (FileInTheWay(path) is { } file)
            throw new CrsException($"{option}: cannot create '{path}': '{file}' is a file, not a folder");
    }

    /// <summary>Runs a write; a file-system failure becomes <see cref="Wrap"/> naming <paramref name="path"/>.</summary>
    public static void At(string path, Action write)
    {
        try
        {
            write();
        }
        catch (Exception ex) when (IsFileSystem(ex))
        {
            throw Wrap(ex, path);
        }
    }

    /// <summary>The reason in plain words, without the path .NET repeats in its message.</summary>
    public static string Reason(Exception ex) => ex switch
    {
        _ when IsDiskFull(ex) => "no space left on the device",
        UnauthorizedAccessException => "permission denied (a read-only folder or file?)",
        DirectoryNotFoundException => "a folder on the way does not exist",
        FileNotFoundException => "not found",
        PathTooLongException => "path too long",
        IOException { HResult: Enotdir } => "a part of the path is a file, not a folder",
        IOException { HResult: Eisdir } => "is a folder, not a file",
        IOException { HResult: Erofs } => "read-only file system",
        _ => QuotedPath().Replace(ex.Message, "").Replace(" : ", "", StringComparison.Ordinal).Trim().TrimEnd('.', ':').Trim(),
    };

    [GeneratedRegex("'([^']+)'")]
    private static partial Regex QuotedPath();
}
