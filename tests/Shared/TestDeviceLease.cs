using CrsIlgpu.Kernels.Runtime;

namespace CrsIlgpu.Tests.Shared;

/// <summary>
/// A test's use of a device from <see cref="SharedTestDevices"/>: disposing the lease disposes the
/// device when the lease owns it (a fresh context, <paramref name="release"/> null); a shared device
/// stays for the next test of its collection and the lease only hands it back.
/// </summary>
public sealed class TestDeviceLease(DeviceContext device, Action? release) : IDisposable
{
    private Action? _release = release;
    private int _disposed;

    public DeviceContext Device { get; } = device;

    /// <summary>True when the device is shared (not disposed with the lease).</summary>
    public bool IsShared { get; } = release is not null;

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
            return;
        if (IsShared)
            Interlocked.Exchange(ref _release, null)?.Invoke();
        else
            Device.Dispose();
    }
}
