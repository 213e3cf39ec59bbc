using System.Threading.Channels;

namespace CrsIlgpu.Training.Data;

/// <summary>
/// Batches of one epoch, prepared on a background thread (up to <see cref="Prefetch"/> ahead) so the
/// device does not wait for augmentation. Deterministic for a seed: the order comes from
/// (seed, epoch) and each batch's augmentation from (seed, epoch, batch), never from thread timing.
/// The last partial batch is kept.
/// </summary>
public sealed class BatchLoader(CifarImages data, int batchSize, Augmentation augmentation, int seed, bool shuffle = true)
{
    public const int Prefetch = 2;

    // Stream tags for SeedMixer: the shuffle and the augmentation never share a seed.
    private const long ShuffleStream = 1;
    private const long AugmentationStream = 2;

    public int BatchesPerEpoch => (data.Count + batchSize - 1) / batchSize;

    /// <summary>The example order of an epoch (a seeded Fisher–Yates shuffle, or 0..N−1).</summary>
    public int[] Order(int epoch)
    {
        var order = Enumerable.Range(0, data.Count).ToArray();
        if (shuffle)
            new Random(SeedMixer.Mix(seed, ShuffleStream, epoch)).Shuffle(order);
        return order;
    }

    /// <summary>Builds batch <paramref name="batch"/> of <paramref name="epoch"/> directly (what the background thread does).</summary>
    public CifarBatch Build(int epoch, int batch, int[] order)
    {
        var start = batch * batchSize;
        var count = Math.Min(batchSize, data.Count - start);
        var images = new float[count * CifarImages.ImageBytes];
        var labels = new int[count];
        var examples = new int[count];
        var random = new Random(SeedMixer.Mix(seed, AugmentationStream, epoch, batch));
        for (var i = 0; i < count; i++)
        {
            var index = order[start + i];
            augmentation.Apply(data, index, images.AsSpan(i * CifarImages.ImageBytes, CifarImages.ImageBytes), random);
            labels[i] = data.Labels[index];
            examples[i] = index;
        }
        return new CifarBatch(images, labels, examples);
    }

    /// <summary>Every batch of the epoch in order, built ahead on a background task.</summary>
    public IAsyncEnumerable<CifarBatch> Epoch(int epoch, CancellationToken cancel = default) => Epoch(epoch, 0, cancel);

    /// <summary>
    /// Batches <paramref name="firstBatch"/>.. of the epoch, the same ones the whole epoch yields from
    /// there (order and augmentation depend on (seed, epoch, batch) only): how a mid-epoch resume continues.
    /// </summary>
    public async IAsyncEnumerable<CifarBatch> Epoch(int epoch, int firstBatch,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancel = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(firstBatch);
        var order = Order(epoch);
        var channel = Channel.CreateBounded<CifarBatch>(new BoundedChannelOptions(Prefetch) { SingleReader = true, SingleWriter = true });
        var producer = Task.Run(async () =>
        {
            try
            {
                for (var b = firstBatch; b < BatchesPerEpoch; b++)
                    await channel.Writer.WriteAsync(Build(epoch, b, order), cancel);
                channel.Writer.Complete();
            }
            catch (Exception ex)
            {
                channel.Writer.Complete(ex);
            }
        }, cancel);
        await foreach (var batch in channel.Reader.ReadAllAsync(cancel))
            yield return batch;
        await producer;
    }
}

/// <summary>One batch: normalised images [B, 3, 32, 32], labels [B], and the examples' dataset indices (the WTA-CRS cache keys).</summary>
public sealed record CifarBatch(float[] Images, int[] Labels, int[] Examples)
{
    public int Count => Labels.Length;
}
