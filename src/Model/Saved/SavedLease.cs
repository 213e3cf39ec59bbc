namespace CrsIlgpu.Model.Saved;

/// <summary>
/// What <see cref="SavedTensorStore.Take{T}"/> hands a backward: the kept item for as long as the
/// lease lives. Disposing it tells the store this reader is done; the last reader's dispose frees the item.
/// </summary>
public sealed class SavedLease<T> : IDisposable
    where T : class, IDisposable
{
    private readonly Action _done;
    private bool _disposed;

    internal SavedLease(T value, Action done)
    {
        Value = value;
        _done = done;
    }

    public T Value { get; }

    public void Dispose()
    {
        if (_disposed)
            return;
        _disposed = true;
        _done();
    }
}
