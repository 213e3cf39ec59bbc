namespace CrsIlgpu.Training.Data;

/// <summary>
/// Reads the official CIFAR binary formats: CIFAR-10 records are 1 label byte + 3072 pixel bytes,
/// CIFAR-100 records are 1 coarse label byte + 1 fine label byte + 3072 pixel bytes.
/// </summary>
public static class CifarBinaryReader
{
    public const int Cifar10RecordBytes = 1 + CifarImages.ImageBytes;
    public const int Cifar100RecordBytes = 2 + CifarImages.ImageBytes;

    /// <summary>CIFAR-10 label order (also alphabetical).</summary>
    public static readonly IReadOnlyList<string> Cifar10ClassNames =
    [
        "airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck",
    ];

    /// <summary>Reads and concatenates CIFAR-10 binary batch files, in the order given.</summary>
    public static CifarImages ReadCifar10(IReadOnlyList<string> files, string source)
    {
        var parts = new List<(byte[] Pixels, int[] Labels)>();
        foreach (string file in files)
        {
            byte[] bytes = ReadFile(file);
            parts.Add(Decode(bytes, file, Cifar10RecordBytes, labelOffset: 0, Cifar10ClassNames.Count));
        }
        return Concatenate(parts, [.. Cifar10ClassNames], source);
    }

    /// <summary>
    /// Reads one CIFAR-100 binary file with fine (100) or coarse (20) labels. Class names come from
    /// <c>fine_label_names.txt</c> / <c>coarse_label_names.txt</c> beside the file when present.
    /// </summary>
    public static CifarImages ReadCifar100(string file, bool coarse)
    {
        byte[] bytes = ReadFile(file);
        string namesFile = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(file))!, Cifar100NamesFileName(coarse));
        string[]? names = File.Exists(namesFile) ? ParseClassNames(File.ReadAllText(namesFile), namesFile, Cifar100Classes(coarse)) : null;
        return DecodeCifar100(bytes, file, coarse, names);
    }

    /// <summary>Decodes CIFAR-100 records already in memory (e.g. a member of a .tar.gz pack).</summary>
    public static CifarImages DecodeCifar100(byte[] bytes, string fileName, bool coarse, string[]? classNames)
    {
        int classes = Cifar100Classes(coarse);
        classNames ??= DefaultClassNames(classes);
        var part = Decode(bytes, fileName, Cifar100RecordBytes, labelOffset: coarse ? 0 : 1, classes);
        return new CifarImages(part.Pixels, part.Labels, classNames, fileName + (coarse ? " (coarse labels)" : " (fine labels)"));
    }

    internal static int Cifar100Classes(bool coarse) => coarse ? 20 : 100;

    internal static string Cifar100NamesFileName(bool coarse) => coarse ? "coarse_label_names.txt" : "fine_label_names.txt";

    /// <summary>One name per non-empty line; the count must match the label range.</summary>
    internal static string[] ParseClassNames(string text, string fileName, int expectedClasses)
    {
        string[] names = text.Split('\n')
            .Select(line => line.Trim())
            .Where(line => line.Length > 0)
            .ToArray();
        if (names.Length != expectedClasses)
            throw new CrsException($"{fileName}: expected {expectedClasses} class names (one per line), found {names.Length}.");
        return names;
    }

    private static string[] DefaultClassNames(int classes) =>
        Enumerable.Range(0, classes).Select(i => $"class_{i:D2}").ToArray();

    private static byte[] ReadFile(string file)
    {
        if (!File.Exists(file))
            throw new CrsException($"{file}: file not found (expected a CIFAR binary batch file).");
        return File.ReadAllBytes(file);
    }

    /// <summary>Splits a record buffer into CHW pixels and labels, validating size and label range.</summary>
    private static (byte[] Pixels, int[] Labels) Decode(byte[] bytes, string fileName, int recordBytes, int labelOffset, int classes)
    {
        if (bytes.Length == 0 || bytes.Length % recordBytes != 0)
            throw new CrsException(
                $"{fileName}: size {bytes.Length} bytes is not a positive multiple of the {recordBytes}-byte record size; " +
                "the file is truncated or not a CIFAR binary file.");

        int count = bytes.Length / recordBytes;
        int headerBytes = recordBytes - CifarImages.ImageBytes;
        var pixels = new byte[(long)count * CifarImages.ImageBytes];
        var labels = new int[count];
        for (int record = 0; record < count; record++)
        {
            int recordStart = record * recordBytes;
            int label = bytes[recordStart + labelOffset];
            if (label >= classes)
                throw new CrsException(
                    $"{fileName}: record {record} has label {label}, expected 0..{classes - 1}; the file is corrupt or of another CIFAR variant.");
            labels[record] = label;
            // The binary format already stores CHW planes, so the pixels are copied verbatim.
            Buffer.BlockCopy(bytes, recordStart + headerBytes, pixels, record * CifarImages.ImageBytes, CifarImages.ImageBytes);
        }
        return (pixels, labels);
    }

    private static CifarImages Concatenate(List<(byte[] Pixels, int[] Labels)> parts, string[] classNames, string source)
    {
        if (parts.Count == 1) return new CifarImages(parts[0].Pixels, parts[0].Labels, classNames, source);
        var pixels = new byte[parts.Sum(part => (long)part.Pixels.Length)];
        var labels = new int[parts.Sum(part => part.Labels.Length)];
        int imageOffset = 0;
        foreach (var part in parts)
        {
            Buffer.BlockCopy(part.Pixels, 0, pixels, imageOffset * CifarImages.ImageBytes, part.Pixels.Length);
            part.Labels.CopyTo(labels, imageOffset);
            imageOffset += part.Labels.Length;
        }
        return new CifarImages(pixels, labels, classNames, source);
    }
}
