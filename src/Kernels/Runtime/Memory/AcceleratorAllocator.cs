using ILGPU.Runtime;

namespace CrsIlgpu.Kernels.Runtime.Memory;

/// <summary>Segments are real ILGPU buffers on the accelerator (CUDA memory, or host memory on the CPU accelerator).</summary>
public sealed class AcceleratorAllocator(Accelerator accelerator) : IDeviceAllocator
{
    public DeviceSegment AllocateSegment(long id, long bytes)
    {
        try
        {
            return new DeviceSegment(id, bytes, accelerator.Allocate1D<byte>(bytes));
        }
        catch (Exception ex) when (ex is OutOfMemoryException or AcceleratorException)
        {
            throw new DriverOutOfMemoryException(ex.Message, ex);
        }
    }

    public void FreeSegment(DeviceSegment segment) => segment.Buffer?.Dispose();
}
