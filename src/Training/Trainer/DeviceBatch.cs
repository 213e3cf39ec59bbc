using CrsIlgpu.Kernels.Runtime;
using CrsIlgpu.Kernels.Runtime.Memory;
using CrsIlgpu.Training.Data;

namespace CrsIlgpu.Training.Trainer;

/// <summary>
/// A host batch copied into pool tensors: images [B, 3, 32, 32] and labels [B] (example ids stay on
/// the host). With staging buffers the copies are queued without waiting for the device (a training
/// step); without, they are plain blocking copies.
/// </summary>
public sealed class DeviceBatch : IDisposable
{
    public DeviceBatch(DeviceContext device, CifarBatch batch, HostStaging<float>? images = null, HostStaging<int>? labels = null)
    {
        Count = batch.Count;
        Images = new Tensor(device.Pool, MemoryTag.Activations, "batch.images", batch.Count, CifarImages.Channels, CifarImages.Side, CifarImages.Side);
        Labels = new IntTensor(device.Pool, batch.Count, MemoryTag.Activations, "batch.labels");
        if (images is null)
            Images.CopyFrom(batch.Images);
        else if (Images.HasData)
            images.Upload(batch.Images, Images.View);
        if (labels is null)
            Labels.CopyFrom(batch.Labels);
        else
            Labels.Upload(batch.Labels, labels);
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
