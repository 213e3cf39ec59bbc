namespace CrsIlgpu.Kernels.Runtime.Memory;

/// <summary>
/// Hands out segments with no memory behind them, so a run can be planned (every allocation made
/// through the pool, no kernel launched) and pool arithmetic tested exactly. An optional capacity
/// plays the device's total memory.
/// </summary>
public sealed class VirtualAllocator(long capacity = long.MaxValue) : IDeviceAllocator
{
    private long _held;

    public DeviceSegment AllocateSegment(long id, long bytes)
    {
        if (_held + bytes > capacity)
            throw new DriverOutOfMemoryException($"virtual device of {capacity} bytes is full");
        _held += bytes;
        return new DeviceSegment(id, bytes, null);
    }

    public void FreeSegment(DeviceSegment segment) => _held -= segment.Size;
}
