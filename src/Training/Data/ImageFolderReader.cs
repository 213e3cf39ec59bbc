namespace CrsIlgpu.Training.Data;

/// <summary>
/// Reads a split stored as <c>&lt;splitDir&gt;/&lt;class&gt;/*.jpg|*.png</c>. Every image must decode to 32×32;
/// it is converted from interleaved RGB (HWC) to CHW planes, the CIFAR binary layout.
/// </summary>
public static class ImageFolderReader
{
    /// <summary>
    /// Reads all images below <paramref name="splitDir"/>. Classes are the sub-folder names in ordinal
    /// order; when <paramref name="expectedClassOrder"/> is given, the folders must be exactly those
    /// names and the labels follow that order.
    /// </summary>
    public static CifarImages Read(string splitDir, IReadOnlyList<string>? expectedClassOrder = null)
    {
        if (!Directory.Exists(splitDir))
            throw new CrsException($"{splitDir}: folder not found (expected one sub-folder of images per class).");

        string[] classNames = Directory.GetDirectories(splitDir)
            .Select(Path.GetFileName)
            .OfType<string>()
            .Order(StringComparer.Ordinal)
            .ToArray();
        if (classNames.Length == 0)
            throw new CrsException($"{splitDir}: no class folders found (expected <class>/*.jpg or <class>/*.png below it).");

        if (expectedClassOrder is not null)
        {
            // Labels must match the published order; a missing or extra folder would silently shift them.
            if (!classNames.SequenceEqual(expectedClassOrder.Order(StringComparer.Ordinal), StringComparer.Ordinal))
                throw new CrsException(
                    $"{splitDir}: class folders are [{string.Join(", ", classNames)}], expected exactly [{string.Join(", ", expectedClassOrder)}].");
            classNames = [.. expectedClassOrder];
        }

        var files = new List<string>();
        var labels = new List<int>();
        for (int label = 0; label < classNames.Length; label++)
        {
            string classDir = Path.Combine(splitDir, classNames[label]);
            string[] classFiles = Directory.GetFiles(classDir)
                .Where(ImageFile.HasImageExtension)
                .Order(StringComparer.Ordinal)
                .ToArray();
            if (classFiles.Length == 0)
                throw new CrsException($"{classDir}: class folder holds no .jpg or .png images.");
            files.AddRange(classFiles);
            labels.AddRange(Enumerable.Repeat(label, classFiles.Length));
        }

        var pixels = new byte[(long)files.Count * CifarImages.ImageBytes];
        var errors = new string?[files.Count];
        // Decoding dominates (60,000 JPEGs); each image writes its own slice, so the loop is race-free.
        Parallel.For(0, files.Count, index =>
            errors[index] = DecodeInto(files[index], pixels.AsSpan(index * CifarImages.ImageBytes, CifarImages.ImageBytes)));

        // Report the first bad file in file order, so the message does not depend on thread timing.
        string? firstError = errors.FirstOrDefault(error => error is not null);
        if (firstError is not null)
        {
            int badCount = errors.Count(error => error is not null);
            throw new CrsException(badCount == 1 ? firstError : $"{firstError} ({badCount - 1} more bad images in {splitDir})");
        }

        return new CifarImages(pixels, [.. labels], classNames, splitDir);
    }

    /// <summary>Decodes one file into CHW bytes; returns an error line instead of throwing.</summary>
    private static string? DecodeInto(string file, Span<byte> chw)
    {
        if (ImageFile.TryRead(file, out var error) is not { } image)
            return $"{file}: {error}; expected a valid 32×32 JPEG or PNG.";
        if (image.Width != CifarImages.Side || image.Height != CifarImages.Side)
            return $"{file}: image is {image.Width}×{image.Height}, expected {CifarImages.Side}×{CifarImages.Side}.";

        ReadOnlySpan<byte> hwc = image.Rgb;
        for (int pixel = 0; pixel < CifarImages.PlaneBytes; pixel++)
        {
            chw[pixel] = hwc[3 * pixel];
            chw[CifarImages.PlaneBytes + pixel] = hwc[3 * pixel + 1];
            chw[2 * CifarImages.PlaneBytes + pixel] = hwc[3 * pixel + 2];
        }
        return null;
    }
}
