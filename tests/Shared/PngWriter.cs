using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace CrsIlgpu.Tests.Shared;

/// <summary>
/// A minimal PNG encoder for test fixtures (no encoder package needed): 8-bit gray, gray + alpha, RGB
/// or RGBA from interleaved bytes, one stored (uncompressed) zlib stream, no filtering.
/// </summary>
public static class PngWriter
{
    /// <param name="pixels">height × width × <paramref name="channels"/> bytes, row by row.</param>
    /// <param name="channels">1 gray, 2 gray + alpha, 3 RGB, 4 RGBA.</param>
    public static void Write(string path, int width, int height, int channels, ReadOnlySpan<byte> pixels)
    {
        byte colourType = channels switch
        {
            1 => 0,
            2 => 4,
            3 => 2,
            4 => 6,
            _ => throw new ArgumentOutOfRangeException(nameof(channels), channels, "1, 2, 3 or 4 channels"),
        };
        if (pixels.Length != width * height * channels)
            throw new ArgumentException($"{pixels.Length} bytes for {width}×{height}×{channels}", nameof(pixels));
        var stride = width * channels;
        var raw = new byte[height * (1 + stride)];
        for (var y = 0; y < height; y++)
            pixels.Slice(y * stride, stride).CopyTo(raw.AsSpan(y * (1 + stride) + 1)); // filter byte 0: None

        using var compressed = new MemoryStream();
        using (var zlib = new ZLibStream(compressed, CompressionLevel.NoCompression, leaveOpen: true))
            zlib.Write(raw);

        var header = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, width);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), height);
        header[8] = 8; // bit depth; compression, filter and interlace methods stay 0
        header[9] = colourType;

        using var png = new MemoryStream();
        png.Write([0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]);
        Chunk(png, "IHDR", header);
        Chunk(png, "IDAT", compressed.ToArray());
        Chunk(png, "IEND", []);
        File.WriteAllBytes(path, png.ToArray());
    }

    private static void Chunk(Stream png, string type, byte[] data)
    {
        Span<byte> word = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(word, data.Length);
        png.Write(word);
        byte[] typeAndData = [.. Encoding.ASCII.GetBytes(type), .. data];
        png.Write(typeAndData);
        BinaryPrimitives.WriteUInt32BigEndian(word, Crc32(typeAndData));
        png.Write(word);
    }

    private static uint Crc32(byte[] bytes)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in bytes)
        {
            crc ^= b;
            for (var bit = 0; bit < 8; bit++)
                crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB88320u : crc >> 1;
        }
        return ~crc;
    }
}
