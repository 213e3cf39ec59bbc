using System.Formats.Tar;
using System.IO.Compression;

namespace CrsIlgpu.Training.Data;

/// <summary>
/// Unpacks the CIFAR packs (`cifar-10-jpg.tar.gz`, `cifar-100-binary.tar.gz`) into the data folder.
/// Each pack goes to a temporary folder first and is renamed into place when complete, so an
/// interrupted unpack never leaves a half-filled dataset folder; entries leaving the target are refused.
/// </summary>
public static class DataPacks
{
    public static readonly IReadOnlyList<(string Pack, string Folder)> Known =
    [
        ("cifar-10-jpg.tar.gz", "cifar-10-jpg"),
        ("cifar-100-binary.tar.gz", "cifar-100-binary"),
    ];

    /// <summary>Unpacks every known pack found in <paramref name="fromDir"/>; returns what it did, one line each.</summary>
    public static IReadOnlyList<string> Unpack(string fromDir, string dataDir, Action<string>? progress = null)
    {
        if (!Directory.Exists(fromDir))
            throw new CrsException($"--from: folder '{fromDir}' does not exist");
        var found = Known.Where(k => File.Exists(Path.Combine(fromDir, k.Pack))).ToList();
        if (found.Count == 0)
            throw new CrsException($"--from: '{fromDir}' holds none of {string.Join(", ", Known.Select(k => k.Pack))}");
        Directory.CreateDirectory(dataDir);
        var done = new List<string>();
        foreach (var (pack, folder) in found)
            done.Add(UnpackOne(fromDir, dataDir, pack, folder, progress));
        return done;
    }

    /// <summary>
    /// Unpacks the pack <paramref name="dataset"/> needs from <paramref name="fromDir"/> when it is not in
    /// <paramref name="dataDir"/> yet; returns what it did, or null when nothing was needed. Neither the
    /// dataset nor its pack is an error naming both places searched.
    /// </summary>
    public static string? EnsureFor(string dataset, string dataDir, string fromDir, Action<string>? progress = null)
    {
        string[] folders = dataset == "cifar10"
            ? [CifarDatasets.Cifar10JpgFolder, CifarDatasets.Cifar10BinaryFolder]
            : [CifarDatasets.Cifar100BinaryFolder];
        if (folders.Any(f => Directory.Exists(Path.Combine(dataDir, f))))
            return null;
        var (pack, folder) = Known.First(k => k.Folder == folders[0]);
        if (!File.Exists(Path.Combine(fromDir, pack)))
        {
            // Name the folders actually searched (--packs may point anywhere), not a default.
            var name = dataset == "cifar10" ? "CIFAR-10" : "CIFAR-100";
            throw new CrsException($"{name} not found: looked for {string.Join(" and ", folders.Select(f => Path.Combine(dataDir, f) + "/"))} " +
                $"(--data) and for {Path.Combine(fromDir, pack)} (--packs); " +
                $"put {pack} into {fromDir} or pass --packs with the folder that holds it");
        }
        Directory.CreateDirectory(dataDir);
        return UnpackOne(fromDir, dataDir, pack, folder, progress);
    }

    private static string UnpackOne(string fromDir, string dataDir, string pack, string folder, Action<string>? progress)
    {
        var target = Path.Combine(dataDir, folder);
        if (Directory.Exists(target))
            return $"{folder}: already present in {dataDir}, left as is";
        progress?.Invoke($"unpacking {pack}");
        // A killed unpack leaves hundreds of MB in a hidden folder; remove those of dead processes first.
        foreach (var stale in TemporaryFiles.CleanStale(dataDir, $".{folder}.unpacking-"))
            progress?.Invoke($"removed {stale}, left by an unpack that did not finish");
        var staging = Path.Combine(dataDir, $".{folder}.unpacking-{Environment.ProcessId}");
        TemporaryFiles.TryDelete(staging);
        try
        {
            var files = Extract(Path.Combine(fromDir, pack), staging);
            var inner = Path.Combine(staging, folder);
            if (!Directory.Exists(inner))
                throw new CrsException($"{pack}: expected a top-level folder '{folder}/' inside the archive");
            Directory.Move(inner, target);
            Durability.SyncFolder(dataDir);
            return $"{folder}: {files} files unpacked into {target}";
        }
        catch (Exception ex) when (FileSystemError.IsFileSystem(ex))
        {
            throw FileSystemError.Wrap(ex, $"{target} (unpacking {pack})");
        }
        finally
        {
            TemporaryFiles.TryDelete(staging);
        }
    }

    private static int Extract(string archive, string staging)
    {
        var root = Path.GetFullPath(staging) + Path.DirectorySeparatorChar;
        var count = 0;
        Directory.CreateDirectory(staging);
        try
        {
            using var stream = File.OpenRead(archive);
            using var gzip = new GZipStream(stream, CompressionMode.Decompress);
            using var reader = new TarReader(gzip);
            while (reader.GetNextEntry() is { } entry)
            {
                if (entry.EntryType is not (TarEntryType.RegularFile or TarEntryType.V7RegularFile))
                    continue;
                // A damaged archive can decode into entries with no name; say so rather than "outside the folder".
                if (string.IsNullOrWhiteSpace(entry.Name) || entry.Name.Contains('\0', StringComparison.Ordinal))
                    throw new CrsException($"{archive}: not a readable .tar.gz (entry {count + 1} has no valid name: the archive is damaged or not a tar)");
                var path = Path.GetFullPath(Path.Combine(staging, entry.Name));
                if (!path.StartsWith(root, StringComparison.Ordinal))
                    throw new CrsException($"{archive}: entry '{entry.Name}' would be written outside the data folder; refused");
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                entry.ExtractToFile(path, overwrite: false);
                count++;
            }
        }
        catch (Exception ex) when (ex is InvalidDataException or EndOfStreamException or FormatException)
        {
            // The caller removes the staging folder: nothing half-unpacked stays behind.
            throw new CrsException($"{archive}: not a readable .tar.gz ({ex.Message})");
        }
        return count;
    }
}
