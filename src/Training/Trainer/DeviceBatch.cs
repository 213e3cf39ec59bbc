using CrsIlgpu.Kernels.Runtime;
using CrsIlgpu.Kernels.Runtime.Memory;
using CrsIlgpu.Training.Data;

namespace CrsIlgpu.Training.Trainer;

/// <summary>A host batch copied into pool tensors: images [B, 3, 32, 32] and labels [B] (example ids stay on the host).</summary>
public sealed class DeviceBatch : IDisposable
{
    public DeviceBatch(DeviceContext device, CifarBatch batch)
    {
        Count = batch.Count;
        Images = new Tensor(device.Pool, MemoryTag.Activations, "batch.images", batch.Count, CifarImages.Channels, CifarImages.Side, CifarImages.Side);
        Labels = new IntTensor(device.Pool, batch.Count, MemoryTag.Activations, "batch.labels");
        Images.CopyFrom(batch.Images);
        Labels.CopyFrom(batch.Labels);
    }

    public int Count { get; }

    public Tensor Images { get; }

    public IntTensor Labels { get; }

    public void Dispose()
    {
        Images.Dispose();
        Labels.Dispose();
    }
}
