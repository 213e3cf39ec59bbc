namespace CrsIlgpu.Model.Saved;

/// <summary>How a forward hands on a tensor it made: the store may have kept it, else it dies at the end of the scope.</summary>
public static class SavedTensorStoreExtensions
{
    /// <summary>
    /// <c>using (saved.Consume(t))</c>: at the end of the scope <paramref name="tensor"/> is freed
    /// unless the store kept it (then the store frees it after backward). With no store
    /// (inference) nothing is ever kept, so it is always freed.
    /// </summary>
    public static Consumed Consume(this SavedTensorStore? saved, Tensor tensor) => new(saved, tensor);

    /// <summary>The scope <see cref="Consume"/> returns.</summary>
    public readonly struct Consumed(SavedTensorStore? saved, Tensor tensor) : IDisposable
    {
        public void Dispose()
        {
            if (saved is null || !saved.Holds(tensor))
                tensor.Dispose();
        }
    }
}
