using System.Buffers.Binary;

namespace CrsIlgpu.Cli.Tests;

/// <summary>Checks a file is a PNG of the given size with more than a blank canvas in it.</summary>
public static class PngAssert
{
    public static void IsImage(string path, int width, int height)
    {
        Assert.True(File.Exists(path), $"{path} was not written");
        var bytes = File.ReadAllBytes(path);
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A], bytes[..8]);
        Assert.Equal(width, BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(16)));   // IHDR width
        Assert.Equal(height, BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(20)));  // IHDR height
        Assert.True(bytes.Length > 10_000, $"{path} is only {bytes.Length} bytes: an empty plot?");
        Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(path)!, "*.tmp.png")); // no temp file left behind
    }
}
