using System.Runtime.InteropServices;

namespace CrsIlgpu.Kernels.Runtime;

/// <summary>
/// fsync for the write-temp-then-rename pattern: the file's bytes must reach the disk before the rename
/// makes them visible, and the folder's entry after it, or a power loss can leave a renamed but empty
/// file. .NET flushes files (<see cref="FileStream.Flush(bool)"/>) but cannot open a folder, so folders
/// go through libc's open/fsync on Linux and macOS; Windows has no folder fsync (NTFS journals renames).
/// </summary>
public static partial class Durability
{
    private const int ORdOnly = 0;

    /// <summary>Flushes a folder's entries (renames, creations) to disk; true when an fsync was made.</summary>
    public static bool SyncFolder(string folder)
    {
        if (!(OperatingSystem.IsLinux() || OperatingSystem.IsMacOS()))
            return false;
        int fd;
        try
        {
            fd = Open(Path.GetFullPath(folder), ORdOnly);
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            return false; // an unusual libc: the rename has happened, only its durability is weaker
        }
        if (fd < 0)
            return false; // e.g. a folder we may not open: the data is written, only its durability is weaker
        try
        {
            // Some file systems refuse fsync on folders (EINVAL); the rename itself has still happened.
            return Fsync(fd) == 0;
        }
        finally
        {
            _ = Close(fd);
        }
    }

    /// <summary>Flushes a written file's bytes to disk (fsync), so a later rename never exposes an empty file.</summary>
    public static void SyncFile(FileStream stream) => stream.Flush(flushToDisk: true);

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int Fsync(int fd);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int Close(int fd);
}
