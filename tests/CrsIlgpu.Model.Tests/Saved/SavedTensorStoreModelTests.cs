using CrsIlgpu.Model.Sampling;

namespace CrsIlgpu.Model.Tests.Saved;

/// <summary>
/// The store inside a training step: between forward and backward it holds exactly the pool's
/// saved-for-backward bytes, every entry is read by a backward (nothing left at the step's end),
/// and an evaluation forward's entries are freed by <see cref="VisionTransformer.Release"/>.
/// </summary>
public class SavedTensorStoreModelTests
{
    private static readonly VitConfig Tiny = new()
    {
        Name = "test-tiny", ImageSize = 8, PatchSize = 4, Channels = 3, Dim = 8, Depth = 2, Heads = 2, NumClasses = 5,
    };

    public static TheoryData<string, bool> Settings => new()
    {
        { "dense", false },
        { "dense", true },
        { "cached", false },
        { "deferred", true },
        { "seed-report", false },
    };

    private static WtaCrsConfig? Sampling(string name) => name switch
    {
        "dense" => null,
        "cached" => new WtaCrsConfig(SampledSite.Fc1 | SampledSite.Fc2 | SampledSite.Proj | SampledSite.Qkv, 0.3, SamplingPolicy.Cached),
        "deferred" => new WtaCrsConfig(SampledSite.Fc1 | SampledSite.Fc2 | SampledSite.Proj | SampledSite.Qkv, 0.3, SamplingPolicy.Deferred),
        "seed-report" => new WtaCrsConfig(SampledSite.Qkv | SampledSite.Qk | SampledSite.Av, 0.5, SamplingPolicy.Cached),
        _ => throw new ArgumentException(name),
    };

    [Theory]
    [MemberData(nameof(Settings))]
    public void TheStoreHoldsExactlyTheSavedBytesAndNothingOutlivesTheStep(string sampling, bool recompute)
    {
        using var device = DeviceContext.CreatePlanner();
        using var model = new VisionTransformer(device, Tiny, Sampling(sampling), savers: new MemorySavers { RecomputeAttention = recompute });
        using var images = new Tensor(device.Pool, MemoryTag.Activations, "images", 4, 3, 8, 8);
        using var labels = new IntTensor(device.Pool, 4);
        var baseline = device.Pool.Allocated;
        long kept = 0, savedTag = 0;
        var entries = 0;

        model.ForwardBackward(images, labels, afterForward: () =>
        {
            kept = model.Saved.Entries.Sum(e => e.Bytes);
            entries = model.Saved.Count;
            savedTag = device.Pool.LiveBytes(MemoryTag.SavedForBackward);
        });

        Assert.True(entries > 0);
        Assert.Equal(savedTag, kept);
        Assert.Equal(0, model.Saved.Count);
        Assert.Equal(0, model.Saved.LeftAtLastEnd); // every kept tensor was read by a backward
        Assert.Equal(0, device.Pool.LiveBytes(MemoryTag.SavedForBackward));
        Assert.Equal(baseline, device.Pool.Allocated);
    }

    [Fact]
    public void AnEvaluationForwardIsFreedByRelease()
    {
        using var device = DeviceContext.CreatePlanner();
        using var model = new VisionTransformer(device, Tiny, Sampling("cached"));
        using var images = new Tensor(device.Pool, MemoryTag.Activations, "images", 2, 3, 8, 8);
        var baseline = device.Pool.Allocated;
        using (model.Forward(images))
            Assert.True(model.Saved.Count > 0);
        model.Release();
        Assert.True(model.Saved.LeftAtLastEnd > 0);
        Assert.Equal(baseline, device.Pool.Allocated);
    }

    [Fact]
    public void EveryTensorIsKeptUnderItsLayerWithItsRole()
    {
        using var device = DeviceContext.CreatePlanner();
        using var model = new VisionTransformer(device, Tiny, Sampling("cached"));
        using var images = new Tensor(device.Pool, MemoryTag.Activations, "images", 2, 3, 8, 8);
        using (model.Forward(images))
        {
            var entries = model.Saved.Entries;
            Assert.Contains(new SavedEntryInfo("embed.out", "blocks.0.norm1", SavedRole.InputGradient, 2 * 5 * 8 * 4), entries);
            Assert.Contains(new SavedEntryInfo("blocks.0.out", "blocks.1.norm1", SavedRole.InputGradient, 2 * 5 * 8 * 4), entries);
            Assert.Contains(new SavedEntryInfo("blocks.1.mlp.fc1.out", "blocks.1.mlp", SavedRole.InputGradient, 2 * 5 * 32 * 4), entries);
            Assert.Contains(new SavedEntryInfo("patch_embed.patches", "patch_embed.proj", SavedRole.WeightGradientInput, 2 * 4 * 48 * 4), entries);
            // ρ = 0.3 of 10 rows is below k_min = 10: the Cached linears keep all 10 rows, sampled.
            Assert.Contains(new SavedEntryInfo("blocks.0.mlp.fc2.x_sampled", "blocks.0.mlp.fc2", SavedRole.SampledRows, 10 * 32 * 4), entries);
            Assert.Contains(entries, e => e is { Layer: "blocks.0.attn.qkv", Role: SavedRole.Selection });
            Assert.DoesNotContain(entries, e => e.Name == "blocks.0.norm1.out"); // qkv kept its sampled rows instead
            Assert.All(entries, e => Assert.True(e.Bytes > 0));
        }
        model.Release();
    }
}
