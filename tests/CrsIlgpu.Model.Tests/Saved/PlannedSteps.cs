namespace CrsIlgpu.Model.Tests.Saved;

/// <summary>One planned training step (no memory, no launches) and what its store held between forward and backward.</summary>
internal static class PlannedSteps
{
    /// <summary>The store's entries after forward; the step must end with nothing left in the store.</summary>
    public static IReadOnlyList<SavedEntryInfo> SavedAfterForward(VitConfig config, int batch, WtaCrsConfig? sampling, MemorySavers savers)
    {
        using var planner = DeviceContext.CreatePlanner();
        using var model = new VisionTransformer(planner, config, sampling, savers: savers);
        using var images = new Tensor(planner.Pool, MemoryTag.Activations, "images", batch, config.Channels, config.ImageSize, config.ImageSize);
        using var labels = new IntTensor(planner.Pool, batch);
        IReadOnlyList<SavedEntryInfo> entries = [];
        model.ForwardBackward(images, labels, afterForward: () => entries = model.Saved.Entries);
        Assert.Equal(0, model.Saved.LeftAtLastEnd);
        return entries;
    }
}
