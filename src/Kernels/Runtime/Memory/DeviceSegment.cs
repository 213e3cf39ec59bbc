using ILGPU.Runtime;

namespace CrsIlgpu.Kernels.Runtime.Memory;

/// <summary>One allocation from the driver, carved into blocks by the pool.</summary>
public sealed class DeviceSegment
{
    public DeviceSegment(long id, long size, MemoryBuffer1D<byte, Stride1D.Dense>? buffer)
    {
        Id = id;
        Size = size;
        Buffer = buffer;
    }

    public long Id { get; }

    public long Size { get; }

    /// <summary>Null for segments of a <see cref="VirtualAllocator"/> (memory planning).</summary>
    public MemoryBuffer1D<byte, Stride1D.Dense>? Buffer { get; }
}
