using System.Formats.Tar;
using System.IO.Compression;
using CrsIlgpu.Kernels.Runtime;

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
        {
            var target = Path.Combine(dataDir, folder);
            if (Directory.Exists(target))
            {
                done.Add($"{folder}: already present in {dataDir}, left as is");
                continue;
            }
            progress?.Invoke($"unpacking {pack}");
            var staging = Path.Combine(dataDir, $".{folder}.unpacking-{Environment.ProcessId}");
            if (Directory.Exists(staging))
                Directory.Delete(staging, recursive: true);
            var files = Extract(Path.Combine(fromDir, pack), staging);
            var inner = Path.Combine(staging, folder);
            if (!Directory.Exists(inner))
            {
                Directory.Delete(staging, recursive: true);
                throw new CrsException($"{pack}: expected a top-level folder '{folder}/' inside the archive");
            }
            Directory.Move(inner, target);
            Directory.Delete(staging, recursive: true);
            done.Add($"{folder}: {files} files unpacked into {target}");
        }
        return done;
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
                var path = Path.GetFullPath(Path.Combine(staging, entry.Name));
                if (!path.StartsWith(root, StringComparison.Ordinal))
                    throw new CrsException($"{archive}: entry '{entry.Name}' would be written outside the data folder; refused");
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                entry.ExtractToFile(path, overwrite: false);
                count++;
            }
        }
        catch (Exception ex)
        {
            // Nothing half-unpacked stays behind, whatever stopped the extraction.
            Directory.Delete(staging, recursive: true);
            if (ex is InvalidDataException or EndOfStreamException or FormatException)
                throw new CrsException($"{archive}: not a readable .tar.gz ({ex.Message})");
            throw;
        }
        return count;
    }
}
