using StbImageSharp;

namespace CrsIlgpu.Training.Data;

/// <summary>
/// One JPEG or PNG file decoded by StbImageSharp to interleaved 8-bit RGB (HWC) of any size: gray is
/// replicated to three channels, an alpha channel is dropped (not composited), 16-bit PNGs are reduced to 8 bits.
/// </summary>
public sealed record ImageFile(string Path, int Width, int Height, byte[] Rgb)
{
    /// <summary>The extensions read from folders (compared ignoring case).</summary>
    public static IReadOnlyList<string> Extensions { get; } = [".jpg", ".jpeg", ".png"];

    public static bool HasImageExtension(string path) =>
        Extensions.Contains(System.IO.Path.GetExtension(path), StringComparer.OrdinalIgnoreCase);

    /// <summary>Decodes <paramref name="path"/>; on failure returns null and a reason (without the file name), never throws.</summary>
    public static ImageFile? TryRead(string path, out string? error)
    {
        ImageResult? image;
        try
        {
            byte[] bytes = File.ReadAllBytes(path);
            // stb_image can spin forever on some truncated files, so the container's start and end
            // markers are checked before decoding.
            if (!HasImageFraming(bytes))
            {
                error = $"not a complete JPEG or PNG file ({bytes.Length} bytes; missing start or end marker, truncated?)";
                return null;
            }
            image = ImageResult.FromMemory(bytes, ColorComponents.RedGreenBlue);
        }
        catch (Exception exception)
        {
            error = $"cannot decode image ({exception.Message.Trim()})";
            return null;
        }

        if (image?.Data is null || image.Width <= 0 || image.Height <= 0)
        {
            error = "cannot decode image";
            return null;
        }
        if (image.Data.Length < 3L * image.Width * image.Height)
        {
            error = $"decoder returned {image.Data.Length} bytes, expected {3L * image.Width * image.Height} ({image.Width}×{image.Height} RGB)";
            return null;
        }
        error = null;
        return new ImageFile(path, image.Width, image.Height, image.Data);
    }

    /// <summary>JPEG: SOI (FF D8) first and EOI (FF D9) near the end; PNG: signature first and IEND near the end.</summary>
    private static bool HasImageFraming(byte[] bytes)
    {
        // Encoders may append a few padding bytes after the end marker, so the tail is searched.
        ReadOnlySpan<byte> tail = bytes.AsSpan(Math.Max(0, bytes.Length - 64));
        if (bytes.Length >= 4 && bytes[0] == 0xFF && bytes[1] == 0xD8)
            return tail.IndexOf([(byte)0xFF, (byte)0xD9]) >= 0;
        ReadOnlySpan<byte> pngSignature = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];
        if (bytes.AsSpan().StartsWith(pngSignature))
            return tail.IndexOf("IEND"u8) >= 0;
        return false;
    }
}
