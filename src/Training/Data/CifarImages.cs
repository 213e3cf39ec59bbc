namespace CrsIlgpu.Training.Data;

/// <summary>
/// An in-memory CIFAR-style data set: N images of 3 × 32 × 32 bytes in CHW order
/// (a red plane, then green, then blue; each row-major), exactly the pixel layout of the
/// official CIFAR binary format, plus one label per image.
/// </summary>
public sealed class CifarImages
{
    public const int Side = 32;
    public const int Channels = 3;
    public const int PlaneBytes = Side * Side;
    public const int ImageBytes = Channels * PlaneBytes;

    public CifarImages(byte[] pixels, int[] labels, string[] classNames, string source)
    {
        ArgumentNullException.ThrowIfNull(pixels);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(classNames);
        if (pixels.Length != (long)labels.Length * ImageBytes)
            throw new ArgumentException(
                $"{pixels.Length} pixel bytes do not match {labels.Length} images of {ImageBytes} bytes.", nameof(pixels));
        if (classNames.Length == 0)
            throw new ArgumentException("A data set needs at least one class.", nameof(classNames));
        // Readers validate labels with file/record context; this guards programmatic construction.
        for (int i = 0; i < labels.Length; i++)
        {
            if ((uint)labels[i] >= (uint)classNames.Length)
                throw new ArgumentException(
                    $"Label {labels[i]} of image {i} is outside 0..{classNames.Length - 1}.", nameof(labels));
        }

        Pixels = pixels;
        Labels = labels;
        ClassNames = classNames;
        Source = source;
    }

    /// <summary>
    /// <paramref name="count"/> images drawn without replacement by a seeded shuffle (all of them when
    /// count ≥ Count). Random rather than the first N: image folders are read class by class.
    /// </summary>
    public CifarImages Subset(int count, int seed)
    {
        if (count >= Count)
            return this;
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var order = Enumerable.Range(0, Count).ToArray();
        new Random(seed).Shuffle(order);
        Array.Sort(order, 0, count); // keep the file order among the chosen images
        var pixels = new byte[(long)count * ImageBytes];
        var labels = new int[count];
        for (var i = 0; i < count; i++)
        {
            Image(order[i]).CopyTo(pixels.AsSpan(i * ImageBytes, ImageBytes));
            labels[i] = Labels[order[i]];
        }
        return new CifarImages(pixels, labels, ClassNames, $"{Source} (random {count} of {Count}, seed {seed})");
    }

    /// <summary>N × 3 × 32 × 32 bytes, CHW per image (R, G, B planes).</summary>
    public byte[] Pixels { get; }

    /// <summary>One label per image, in 0..Classes-1.</summary>
    public int[] Labels { get; }

    /// <summary>Class names in label order.</summary>
    public string[] ClassNames { get; }

    public int Classes => ClassNames.Length;

    public int Count => Labels.Length;

    /// <summary>Where the images came from (folder, file or pack member), for logs.</summary>
    public string Source { get; }

    /// <summary>The 3072 CHW bytes of one image.</summary>
    public ReadOnlySpan<byte> Image(int index) => Pixels.AsSpan(index * ImageBytes, ImageBytes);

    /// <summary>How many images carry each label.</summary>
    public int[] CountPerClass()
    {
        var counts = new int[Classes];
        foreach (int label in Labels) counts[label]++;
        return counts;
    }
}
