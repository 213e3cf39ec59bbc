using ILGPU.Runtime;

namespace CrsIlgpu.Kernels.Runtime;

/// <summary>
/// A page-locked host buffer for copies that do not wait: an upload is queued on the device's
/// stream behind the launches before it (the host returns at once), a download lands here when the
/// stream reaches it. Neither is a host synchronisation; the data of a download may be read after
/// the next one (<see cref="SyncCounter"/>), and the buffer is refilled only once an upload queued
/// from it is known to be done (else this waits, and counts that wait).
/// On a planning device it holds nothing and copies nothing.
/// </summary>
public sealed class HostStaging<T> : IDisposable
    where T : unmanaged
{
    private readonly DeviceContext _device;
    private PageLockedArray1D<T>? _buffer;
    private long _queuedAtSync = -1;

    public HostStaging(DeviceContext device)
    {
        _device = device;
    }

    /// <summary>Queues <paramref name="data"/> → <paramref name="target"/> (same length) without waiting.</summary>
    public void Upload(ReadOnlySpan<T> data, ArrayView<T> target)
    {
        if (target.Length != data.Length)
            throw new ArgumentException($"staging upload of {data.Length} values into a view of {target.Length}");
        if (_device.IsPlanning || data.Length == 0)
            return;
        var buffer = Buffer(data.Length);
        data.CopyTo(buffer.Span);
        target.CopyFromPageLockedAsync(_device.Accelerator.DefaultStream, buffer);
        _queuedAtSync = _device.Synchronizations;
    }

    /// <summary>Queues <paramref name="source"/> → this buffer; read it with <see cref="Completed"/> after the next synchronisation.</summary>
    public void Download(ArrayView<T> source)
    {
        if (_device.IsPlanning || source.Length == 0)
            return;
        var buffer = Buffer(source.Length);
        source.CopyToPageLockedAsync(_device.Accelerator.DefaultStream, buffer);
        _queuedAtSync = _device.Synchronizations;
    }

    /// <summary>
    /// The buffer's data once every copy queued into or out of it is done: free when the host has
    /// waited for the device since (the step's one read-back), else one counted synchronize.
    /// </summary>
    public ReadOnlySpan<T> Completed()
    {
        WaitIfPending();
        return _buffer is null ? [] : _buffer.Span;
    }

    /// <summary>Whether a copy is queued and the host has not waited for the device since.</summary>
    public bool Pending => _queuedAtSync >= 0 && _device.Synchronizations == _queuedAtSync;

    private void WaitIfPending()
    {
        if (Pending)
            _device.Synchronize();
        _queuedAtSync = -1;
    }

    private PageLockedArray1D<T> Buffer(long length)
    {
        WaitIfPending(); // never overwrite what a queued copy still reads or writes
        if (_buffer is null || _buffer.Length != length)
        {
            _buffer?.Dispose();
            _buffer = _device.Accelerator.AllocatePageLocked1D<T>(length);
        }
        return _buffer;
    }

    public void Dispose()
    {
        _buffer?.Dispose();
        _buffer = null;
    }
}
