using CrsIlgpu.Kernels.Sampling;

namespace CrsIlgpu.Model.Tests.Saved;

/// <summary>The step's store on its own: ownership, pool tags, readers and what is left at the end.</summary>
public class SavedTensorStoreTests
{
    private static Tensor Activation(DeviceContext device, string label, params int[] shape) =>
        new(device.Pool, MemoryTag.Activations, label, shape);

    [Fact]
    public void KeepingMovesTheBytesToSavedForBackwardAndTheLastReadFreesThem()
    {
        using var device = DeviceContext.CreatePlanner();
        var store = new SavedTensorStore(device);
        var x = Activation(device, "blocks.0.norm1.out", 6, 8);
        Assert.Equal(6 * 8 * 4, device.Pool.LiveBytes(MemoryTag.Activations));

        store.Keep("blocks.0.attn.qkv", "input", SavedRole.WeightGradientInput, x);

        Assert.Equal(0, device.Pool.LiveBytes(MemoryTag.Activations));
        Assert.Equal(6 * 8 * 4, device.Pool.LiveBytes(MemoryTag.SavedForBackward));
        var entry = Assert.Single(store.Entries);
        Assert.Equal(new SavedEntryInfo("blocks.0.norm1.out", "blocks.0.attn.qkv", SavedRole.WeightGradientInput, 6 * 8 * 4), entry);
        Assert.True(store.Holds(x));
        using (var lease = store.Take("blocks.0.attn.qkv", "input"))
            Assert.Same(x, lease.Value);
        Assert.Equal(0, store.Count);
        Assert.Equal(0, device.Pool.Allocated);
        Assert.Throws<ObjectDisposedException>(() => x.Block);
    }

    [Fact]
    public void AnEntryKeptForTwoReadersLivesUntilTheSecondIsDone()
    {
        using var device = DeviceContext.CreatePlanner();
        var store = new SavedTensorStore(device);
        store.Keep("norm", "input", SavedRole.InputGradient, Activation(device, "x", 4), readers: 2);

        var first = store.Take("norm", "input");
        var second = store.Take("norm", "input");
        Assert.Throws<InvalidOperationException>(() => store.Take("norm", "input")); // two readers, both taken
        first.Dispose();
        first.Dispose(); // a lease ends once
        Assert.Equal(16, device.Pool.LiveBytes(MemoryTag.SavedForBackward));
        second.Dispose();
        Assert.Equal(0, device.Pool.Allocated);
        Assert.False(store.Holds("norm", "input"));
    }

    [Fact]
    public void MistakesAreRefusedWithTheLayersName()
    {
        using var device = DeviceContext.CreatePlanner();
        var store = new SavedTensorStore(device);
        var x = Activation(device, "x", 2, 3);
        Assert.Contains("view", Assert.Throws<ArgumentException>(() => store.Keep("fc1", "input", SavedRole.WeightGradientInput, x.Reshape(6))).Message);
        Assert.Contains("fc1: backward without forward", Assert.Throws<InvalidOperationException>(() => store.Take("fc1", "input")).Message);
        store.Keep("fc1", "input", SavedRole.WeightGradientInput, x);
        Assert.Contains("kept twice", Assert.Throws<InvalidOperationException>(() =>
            store.Keep("fc1", "input", SavedRole.WeightGradientInput, Activation(device, "y", 1))).Message);
        Assert.Contains("not a WtaCrsSelectionBuffers", Assert.Throws<InvalidOperationException>(() =>
            store.Take<WtaCrsSelectionBuffers>("fc1", "input")).Message);
    }

    [Fact]
    public void EndStepFreesWhatNoBackwardTookAndCountsIt()
    {
        using var device = DeviceContext.CreatePlanner();
        var store = new SavedTensorStore(device);
        store.Keep("a", "x", SavedRole.InputGradient, Activation(device, "a.x", 5));
        store.Keep("b", "selection", new WtaCrsSelectionBuffers(device.Pool, 3, MemoryTag.Activations, "b.wtacrs"));
        Assert.Equal(20 + 3 * 4 + 3 * 4 + 4, device.Pool.LiveBytes(MemoryTag.SavedForBackward));
        Assert.Equal(SavedRole.Selection, store.Entries[1].Role);

        store.EndStep();

        Assert.Equal(2, store.LeftAtLastEnd);
        Assert.Equal(0, store.Count);
        Assert.Equal(0, device.Pool.Allocated);
        store.EndStep();
        Assert.Equal(0, store.LeftAtLastEnd);
    }
}
