namespace CrsIlgpu.Tests.Shared;

/// <summary>
/// Writes a small CIFAR-10 in the official binary layout (data_batch_1..5.bin, test_batch.bin under
/// cifar-10-batches-bin/) whose classes are learnable (each class tints the image its own way), and a
/// tiny ViT config for it, so trainer and CLI tests run in seconds on the CPU backend.
/// </summary>
public static class TinyCifar
{
    public const int ImageBytes = 3 * 32 * 32;

    /// <summary>Creates <paramref name="dataDir"/>/cifar-10-batches-bin with <paramref name="trainPerBatch"/> images in each of the 5 training files and
    /// <paramref name="test"/> test images.</summary>
    public static void Write(string dataDir, int trainPerBatch, int test, int seed = 1)
    {
        var folder = Path.Combine(dataDir, "cifar-10-batches-bin");
        Directory.CreateDirectory(folder);
        var random = new Random(seed);
        for (var b = 1; b <= 5; b++)
            File.WriteAllBytes(Path.Combine(folder, $"data_batch_{b}.bin"), Records(trainPerBatch, random));
        File.WriteAllBytes(Path.Combine(folder, "test_batch.bin"), Records(test, random));
    }

    /// <summary>A JSON model config: 32×32 input, patch 8 (16 patches), width 16, one block of 2 heads.</summary>
    public static string WriteConfig(string folder)
    {
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, "tiny-vit.json");
        File.WriteAllText(path, """
            {"name": "tiny-test", "image_size": 32, "patch_size": 8, "channels": 3, "dim": 16, "depth": 1, "heads": 2, "mlp_ratio": 2, "num_classes": 10}
            """);
        return path;
    }

    private static byte[] Records(int count, Random random)
    {
        var bytes = new byte[count * (1 + ImageBytes)];
        for (var i = 0; i < count; i++)
        {
            var label = i % 10;
            var record = bytes.AsSpan(i * (1 + ImageBytes), 1 + ImageBytes);
            record[0] = (byte)label;
            for (var c = 0; c < 3; c++)
            {
                var tint = 40 + 70 * ((label >> c) & 1) + 10 * (label / 8);
                for (var p = 0; p < 1024; p++)
                    record[1 + c * 1024 + p] = (byte)Math.Clamp(tint + random.Next(-30, 31) + (p / 32 < 16 ? 20 * (label % 2) : 0), 0, 255);
            }
        }
        return bytes;
    }
}
