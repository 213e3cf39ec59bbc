using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using CrsIlgpu.Training.Data;

namespace CrsIlgpu.Training.Tests.Data;

/// <summary>Generates small CIFAR binary records and PNG files (no encoder package needed).</summary>
internal static class TestImages
{
    /// <summary>A deterministic pixel value that differs by image, channel and position.</summary>
    public static byte Pixel(int image, int channel, int y, int x) => (byte)(image * 37 + channel * 80 + y * 5 + x * 3);

    /// <summary>CHW bytes of the deterministic test image <paramref name="image"/>.</summary>
    public static byte[] Chw(int image)
    {
        var chw = new byte[CifarImages.ImageBytes];
        for (int c = 0; c < 3; c++)
            for (int y = 0; y < 32; y++)
                for (int x = 0; x < 32; x++)
                    chw[c * 1024 + y * 32 + x] = Pixel(image, c, y, x);
        return chw;
    }

    /// <summary>CIFAR-10 records: label byte then the CHW pixels of test image i (i = first image + index).</summary>
    public static byte[] Cifar10Records(int firstImage, params int[] labels)
    {
        using var stream = new MemoryStream();
        for (int i = 0; i < labels.Length; i++)
        {
            stream.WriteByte((byte)labels[i]);
            stream.Write(Chw(firstImage + i));
        }
        return stream.ToArray();
    }

    /// <summary>CIFAR-100 records: coarse label byte, fine label byte, CHW pixels.</summary>
    public static byte[] Cifar100Records(params (int Coarse, int Fine)[] labels)
    {
        using var stream = new MemoryStream();
        for (int i = 0; i < labels.Length; i++)
        {
            stream.WriteByte((byte)labels[i].Coarse);
            stream.WriteByte((byte)labels[i].Fine);
            stream.Write(Chw(i));
        }
        return stream.ToArray();
    }

    /// <summary>Writes test image <paramref name="image"/> as an RGB PNG of the given size.</summary>
    public static void WritePng(string path, int image, int width = 32, int height = 32)
    {
        // Raw scanlines: filter byte 0 (None) then interleaved RGB.
        var raw = new byte[height * (1 + 3 * width)];
        for (int y = 0; y < height; y++)
        {
            int row = y * (1 + 3 * width);
            for (int x = 0; x < width; x++)
                for (int c = 0; c < 3; c++)
                    raw[row + 1 + 3 * x + c] = Pixel(image, c, y, x);
        }

        using var compressed = new MemoryStream();
        using (var zlib = new ZLibStream(compressed, CompressionLevel.NoCompression, leaveOpen: true))
            zlib.Write(raw);

        var header = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, width);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), height);
        header[8] = 8;  // bit depth
        header[9] = 2;  // colour type: truecolour RGB
        // compression, filter and interlace methods stay 0

        using var png = new MemoryStream();
        png.Write([0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]);
        WriteChunk(png, "IHDR", header);
        WriteChunk(png, "IDAT", compressed.ToArray());
        WriteChunk(png, "IEND", []);
        File.WriteAllBytes(path, png.ToArray());
    }

    private static void WriteChunk(Stream png, string type, byte[] data)
    {
        var length = new byte[4];
        BinaryPrimitives.WriteInt32BigEndian(length, data.Length);
        png.Write(length);
        byte[] typeAndData = [.. Encoding.ASCII.GetBytes(type), .. data];
        png.Write(typeAndData);
        var crc = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(crc, Crc32(typeAndData));
        png.Write(crc);
    }

    private static uint Crc32(byte[] bytes)
    {
        uint crc = 0xFFFFFFFF;
        foreach (byte b in bytes)
        {
            crc ^= b;
            for (int bit = 0; bit < 8; bit++)
                crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB88320u : crc >> 1;
        }
        return ~crc;
    }
}
