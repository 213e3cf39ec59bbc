namespace CrsIlgpu.Training.Tests.Data;

/// <summary>The loader's randomness is a fixed function of (seed, epoch, batch): the same in every process and from any starting batch.</summary>
public sealed class BatchLoaderTests
{
    private static readonly float[] Mean = [0.5f, 0.4f, 0.3f];
    private static readonly float[] Std = [0.25f, 0.2f, 0.5f];

    private static CifarImages Images(int count)
    {
        var pixels = new byte[count * CifarImages.ImageBytes];
        for (var i = 0; i < pixels.Length; i++)
            pixels[i] = (byte)(i * 7 % 251);
        return new CifarImages(pixels,
            Enumerable.Range(0, count).Select(i => i % 10).ToArray(),
            Enumerable.Range(0, 10).Select(i => $"c{i}").ToArray(), "test");
    }

    /// <summary>
    /// Pinned values: another process (or machine) must draw exactly these. With a per-process
    /// seed (HashCode.Combine) they change on every run of the test executable.
    /// </summary>
    [Fact]
    public void OrderAndAugmentationArePinnedForASeed()
    {
        var loader = new BatchLoader(Images(12), batchSize: 4, new Augmentation(true, true, Mean, Std), seed: 3);
        Assert.Equal(ExpectedOrder0, loader.Order(0));
        Assert.Equal(ExpectedOrder1, loader.Order(1));
        var batch = loader.Build(1, 2, loader.Order(1));
        Assert.Equal(ExpectedChecksum, Checksum(batch.Images));
    }

    private static readonly int[] ExpectedOrder0 = [7, 1, 6, 0, 4, 8, 2, 11, 3, 10, 5, 9];
    private static readonly int[] ExpectedOrder1 = [3, 1, 0, 7, 5, 11, 2, 4, 9, 8, 6, 10];
    private const double ExpectedChecksum = 72981.446;

    // Position-weighted, so a different crop or flip of the same images changes it.
    private static double Checksum(float[] images)
    {
        double sum = 0;
        for (var i = 0; i < images.Length; i++)
            sum += images[i] * (i % 97 + 1);
        return Math.Round(sum, 3);
    }

    [Fact]
    public async Task AnEpochStartedAtABatchYieldsTheSameBatchesAsTheWholeEpochFromThere()
    {
        var loader = new BatchLoader(Images(23), batchSize: 5, new Augmentation(true, true, Mean, Std), seed: 9);
        var whole = new List<CifarBatch>();
        await foreach (var b in loader.Epoch(2, TestContext.Current.CancellationToken))
            whole.Add(b);
        var tail = new List<CifarBatch>();
        await foreach (var b in new BatchLoader(Images(23), 5, new Augmentation(true, true, Mean, Std), seed: 9)
            .Epoch(2, 3, TestContext.Current.CancellationToken))
            tail.Add(b);
        Assert.Equal(2, tail.Count);
        for (var i = 0; i < tail.Count; i++)
        {
            Assert.Equal(whole[3 + i].Examples, tail[i].Examples);
            Assert.Equal(whole[3 + i].Images, tail[i].Images);
        }
        var none = new List<CifarBatch>();
        await foreach (var b in loader.Epoch(2, loader.BatchesPerEpoch, TestContext.Current.CancellationToken))
            none.Add(b);
        Assert.Empty(none);
    }
}
