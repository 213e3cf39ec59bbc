namespace CrsIlgpu.Training.Tests.Data;

/// <summary>Generates small CIFAR binary records and PNG files (<see cref="PngWriter"/>).</summary>
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
        var hwc = new byte[height * width * 3];
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
                for (int c = 0; c < 3; c++)
                    hwc[(y * width + x) * 3 + c] = Pixel(image, c, y, x);
        PngWriter.Write(path, width, height, 3, hwc);
    }
}
