using System.Formats.Tar;
using System.IO.Compression;

namespace CrsIlgpu.Training.Data;

/// <summary>Finds and loads the CIFAR data sets by name: cifar10, cifar100, cifar100-coarse.</summary>
public static class CifarDatasets
{
    public const string Cifar10JpgFolder = "cifar-10-jpg";
    public const string Cifar10BinaryFolder = "cifar-10-batches-bin";
    public const string Cifar100BinaryFolder = "cifar-100-binary";

    public static readonly IReadOnlyList<string> Names = ["cifar10", "cifar100", "cifar100-coarse"];

    /// <summary>Loads split <c>train</c> or <c>test</c> of data set <paramref name="name"/> from <paramref name="dataDir"/>.</summary>
    public static CifarImages Load(string name, string split, string dataDir)
    {
        ValidateSplit(split);
        return name switch
        {
            "cifar10" => LoadCifar10(split, dataDir),
            "cifar100" => LoadCifar100(split, dataDir, coarse: false),
            "cifar100-coarse" => LoadCifar100(split, dataDir, coarse: true),
            _ => throw new CrsException($"Unknown data set '{name}', expected one of: {string.Join(", ", Names)}."),
        };
    }

    /// <summary>
    /// Reads a CIFAR-100 binary split straight from <c>cifar-100-binary.tar.gz</c> without unpacking it
    /// (the member <c>cifar-100-binary/&lt;split&gt;.bin</c>, plus the label-name file when present).
    /// </summary>
    public static CifarImages LoadCifar100FromPack(string packPath, string split, bool coarse)
    {
        ValidateSplit(split);
        if (!File.Exists(packPath))
            throw new CrsException($"{packPath}: pack not found (expected cifar-100-binary.tar.gz).");

        string binaryMember = $"{Cifar100BinaryFolder}/{split}.bin";
        string namesMember = $"{Cifar100BinaryFolder}/{CifarBinaryReader.Cifar100NamesFileName(coarse)}";
        byte[]? records = null;
        string? namesText = null;
        try
        {
            using var file = File.OpenRead(packPath);
            using var gzip = new GZipStream(file, CompressionMode.Decompress);
            using var tar = new TarReader(gzip);
            // A gzip stream only reads forwards, so wanted members are copied out as they pass by.
            while (tar.GetNextEntry() is { } entry && (records is null || namesText is null))
            {
                if (entry.DataStream is null) continue;
                string entryName = entry.Name.StartsWith("./", StringComparison.Ordinal) ? entry.Name[2..] : entry.Name;
                if (entryName == binaryMember)
                    records = ReadAll(entry.DataStream, entry.Length);
                else if (entryName == namesMember)
                    namesText = new StreamReader(entry.DataStream).ReadToEnd();
            }
        }
        catch (Exception exception) when (exception is InvalidDataException or FormatException or EndOfStreamException)
        {
            throw new CrsException($"{packPath}: not a readable .tar.gz pack ({exception.Message.Trim()}).");
        }

        if (records is null)
            throw new CrsException($"{packPath}: member {binaryMember} not found in the pack.");
        string source = $"{packPath}:{binaryMember}";
        string[]? names = namesText is null
            ? null
            : CifarBinaryReader.ParseClassNames(namesText, $"{packPath}:{namesMember}", CifarBinaryReader.Cifar100Classes(coarse));
        return CifarBinaryReader.DecodeCifar100(records, source, coarse, names);
    }

    private static CifarImages LoadCifar10(string split, string dataDir)
    {
        string jpgDir = Path.Combine(dataDir, Cifar10JpgFolder);
        if (Directory.Exists(jpgDir))
            return ImageFolderReader.Read(Path.Combine(jpgDir, split), CifarBinaryReader.Cifar10ClassNames);

        string binaryDir = Path.Combine(dataDir, Cifar10BinaryFolder);
        if (Directory.Exists(binaryDir))
        {
            string[] files = split == "train"
                ? [.. Enumerable.Range(1, 5).Select(i => Path.Combine(binaryDir, $"data_batch_{i}.bin"))]
                : [Path.Combine(binaryDir, "test_batch.bin")];
            return CifarBinaryReader.ReadCifar10(files, $"{binaryDir} ({split})");
        }

        throw new CrsException(
            $"CIFAR-10 not found: looked for {jpgDir}/ (image folders) and {binaryDir}/ (official binary); " +
            $"unpack it with: tar -xzf ../shared/data/cifar-10-jpg.tar.gz -C {dataDir.TrimEnd('/', '\\')}/");
    }

    private static CifarImages LoadCifar100(string split, string dataDir, bool coarse)
    {
        string binaryDir = Path.Combine(dataDir, Cifar100BinaryFolder);
        if (!Directory.Exists(binaryDir))
            throw new CrsException(
                $"CIFAR-100 not found: looked for {binaryDir}/ (official binary); " +
                $"unpack it with: tar -xzf ../shared/data/cifar-100-binary.tar.gz -C {dataDir.TrimEnd('/', '\\')}/");
        return CifarBinaryReader.ReadCifar100(Path.Combine(binaryDir, $"{split}.bin"), coarse);
    }

    private static void ValidateSplit(string split)
    {
        if (split is not ("train" or "test"))
            throw new CrsException($"Unknown split '{split}', expected train or test.");
    }

    private static byte[] ReadAll(Stream stream, long length)
    {
        var buffer = new byte[length];
        stream.ReadExactly(buffer);
        return buffer;
    }
}
