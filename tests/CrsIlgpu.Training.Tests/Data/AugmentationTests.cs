namespace CrsIlgpu.Training.Tests.Data;

public class AugmentationTests
{
    /// <summary>Image i has pixel value (c·50 + y + x + i) % 256 at (c, y, x): every position is distinguishable.</summary>
    private static CifarImages Images(int count)
    {
        var pixels = new byte[count * CifarImages.ImageBytes];
        for (var i = 0; i < count; i++)
            for (var c = 0; c < 3; c++)
                for (var y = 0; y < 32; y++)
                    for (var x = 0; x < 32; x++)
                        pixels[i * CifarImages.ImageBytes + c * 1024 + y * 32 + x] = (byte)((c * 50 + y * 3 + x + i) % 256);
        return new CifarImages(pixels,
            Enumerable.Range(0, count).Select(i => i % 10).ToArray(),
            Enumerable.Range(0, 10).Select(i => $"c{i}").ToArray(), "test");
    }

    private static readonly float[] Mean = [0.5f, 0.4f, 0.3f];
    private static readonly float[] Std = [0.25f, 0.2f, 0.5f];

    [Fact]
    public void EvalOnlyNormalises()
    {
        var data = Images(1);
        var output = new float[CifarImages.ImageBytes];
        new Augmentation(false, false, Mean, Std).Apply(data, 0, output, new Random(1));
        // Channel 1, y = 2, x = 5: byte 50 + 6 + 5 = 61 → (61/255 − 0.4) / 0.2.
        Assert.Equal((61f / 255f - 0.4f) / 0.2f, output[1024 + 2 * 32 + 5], 5);
    }

    [Fact]
    public void CropShiftsWithZeroPaddingAndFlipMirrors()
    {
        var data = Images(1);
        var augmentation = new Augmentation(true, true, Mean, Std);
        var seen = new HashSet<(bool Flip, int Dx, int Dy)>();
        for (var seed = 0; seed < 200; seed++)
        {
            var output = new float[CifarImages.ImageBytes];
            augmentation.Apply(data, 0, output, new Random(seed));
            // Recover the transform from the interior of channel 0 (bytes y·3 + x there, no wrap for small y, x).
            var raw = output.Take(1024).Select(v => v * 0.25f + 0.5f).Select(v => (int)MathF.Round(v * 255f)).ToArray();
            var found = false;
            for (var dy = -4; dy <= 4 && !found; dy++)
                for (var dx = -4; dx <= 4 && !found; dx++)
                    foreach (var flip in new[] { false, true })
                    {
                        bool Matches(int y, int x)
                        {
                            var sy = y + dy;
                            var sx = (flip ? 31 - x : x) + dx;
                            var expected = sy is >= 0 and < 32 && sx is >= 0 and < 32 ? (sy * 3 + sx) % 256 : 0;
                            return raw[y * 32 + x] == expected;
                        }
                        if (Enumerable.Range(0, 32).All(y => Enumerable.Range(0, 32).All(x => Matches(y, x))))
                        {
                            seen.Add((flip, dx, dy));
                            found = true;
                            break;
                        }
                    }
            Assert.True(found, $"seed {seed}: output is not a padded crop (±4) of the image, flipped or not");
        }
        Assert.Contains(seen, s => s.Flip);
        Assert.Contains(seen, s => !s.Flip);
        Assert.True(seen.Count > 50, $"only {seen.Count} distinct crops in 200 draws");
    }

    [Fact]
    public async Task LoaderIsDeterministicCoversEveryExampleOnceAndReshufflesPerEpoch()
    {
        var data = Images(23);
        var augmentation = new Augmentation(true, true, Mean, Std);
        var loader = new BatchLoader(data, batchSize: 5, augmentation, seed: 3);
        Assert.Equal(5, loader.BatchesPerEpoch);

        var epoch0 = new List<CifarBatch>();
        await foreach (var b in loader.Epoch(0, TestContext.Current.CancellationToken))
            epoch0.Add(b);
        Assert.Equal([5, 5, 5, 5, 3], epoch0.Select(b => b.Count));
        Assert.Equal(Enumerable.Range(0, 23), epoch0.SelectMany(b => b.Examples).Order());
        Assert.All(epoch0.SelectMany(b => b.Examples.Zip(b.Labels)), p => Assert.Equal(p.First % 10, p.Second));

        var again = new BatchLoader(data, 5, augmentation, seed: 3).Build(0, 2, loader.Order(0));
        Assert.Equal(epoch0[2].Images, again.Images); // same seed, epoch and batch: identical, whatever the threads did
        Assert.NotEqual(loader.Order(0), loader.Order(1));
    }
}
