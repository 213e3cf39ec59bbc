using CrsIlgpu.Kernels.Runtime.Memory;
using CrsIlgpu.Training.Data;

namespace CrsIlgpu.Training.Trainer;

/// <summary>
/// A host batch copied into pool tensors: images [B, 3, S, S] and labels [B] (example ids stay on the
/// host). S is the model's input size: CIFAR's 32×32 images are resized on the device when it differs
/// (<see cref="InputResize"/>). With staging buffers the copies are queued without waiting for the
/// device (a training step); without, they are plain blocking copies.
/// </summary>
public sealed class DeviceBatch : IDisposable
{
    public DeviceBatch(DeviceContext device, CifarBatch batch, int imageSize = CifarImages.Side,
        HostStaging<float>? imageStaging = null, HostStaging<int>? labelStaging = null)
    {
        Count = batch.Count;
        var images = new Tensor(device.Pool, MemoryTag.Activations, imageSize == CifarImages.Side ? "batch.images" : "batch.images.cifar",
            batch.Count, CifarImages.Channels, CifarImages.Side, CifarImages.Side);
        if (imageStaging is null)
            images.CopyFrom(batch.Images);
        else if (images.HasData)
            imageStaging.Upload(batch.Images, images.View);
        Images = InputResize.ToSize(device, images, imageSize);
        Labels = new IntTensor(device.Pool, batch.Count, MemoryTag.Activations, "batch.labels");
        if (labelStaging is null)
            Labels.CopyFrom(batch.Labels);
        else
            Labels.Upload(batch.Labels, labelStaging);
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
