using System.Text;

namespace CrsIlgpu.Kernels.Runtime;

/// <summary>
/// Writes a file through a temporary sibling, an fsync and a rename (then an fsync of the folder), so a
/// reader never sees half a file and a power loss never leaves a renamed but empty one. A failure removes
/// the temporary and becomes one <see cref="CrsException"/> naming the path.
/// </summary>
public static class AtomicFile
{
    public static void WriteAllText(string path, string text) => WriteAllBytes(path, Encoding.UTF8.GetBytes(text));

    public static void WriteAllBytes(string path, ReadOnlySpan<byte> bytes)
    {
        var full = Path.GetFullPath(path);
        var bytesCopy = bytes.ToArray();
        Write(full, stream => stream.Write(bytesCopy), path);
    }

    /// <summary>
    /// Creates <paramref name="path"/> (shown as <paramref name="shownPath"/> in errors) from what
    /// <paramref name="write"/> puts into a fresh stream.
    /// </summary>
    public static void Write(string path, Action<FileStream> write, string? shownPath = null)
    {
        var full = Path.GetFullPath(path);
        var shown = shownPath ?? path;
        if (Directory.Exists(full))
            throw new CrsException($"{shown}: is a folder, not a file");
        var folder = Path.GetDirectoryName(full)!;
        var temp = TemporaryFiles.For(full);
        FileSystemError.At(shown, () => Directory.CreateDirectory(folder));
        TemporaryFiles.CleanStale(folder, Path.GetFileName(full) + ".tmp-");
        try
        {
            using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
            {
                write(stream);
                Durability.SyncFile(stream);
            }
            File.Move(temp, full, overwrite: true);
        }
        catch (Exception ex)
        {
            TemporaryFiles.TryDelete(temp);
            if (FileSystemError.IsFileSystem(ex))
                throw FileSystemError.Wrap(ex, shown);
            throw;
        }
        Durability.SyncFolder(folder);
    }
}
