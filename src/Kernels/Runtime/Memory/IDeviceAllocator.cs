namespace CrsIlgpu.Kernels.Runtime.Memory;

/// <summary>The driver side of the pool: takes and returns whole segments.</summary>
public interface IDeviceAllocator
{
    /// <summary>Allocates a segment; throws <see cref="DriverOutOfMemoryException"/> when the device is full.</summary>
    DeviceSegment AllocateSegment(long id, long bytes);

    void FreeSegment(DeviceSegment segment);
}

/// <summary>Thrown by an allocator when the device itself has no room; the pool turns it into <see cref="OutOfDeviceMemoryException"/>.</summary>
public sealed class DriverOutOfMemoryException(string message, Exception? inner = null) : Exception(message, inner);
