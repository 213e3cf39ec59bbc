using CrsIlgpu.Kernels.Resize;
using CrsIlgpu.Kernels.Runtime.Memory;

namespace CrsIlgpu.Training.Trainer;

/// <summary>
/// The last step of the input pipeline: a batch already augmented at CIFAR's 32×32 (crop, flip,
/// normalisation, as the seed's pipeline) is resized on the device to the model's input size —
/// bilinear, align_corners = false, no antialias (torchvision's Resize on tensors when upsampling).
/// Normalising before resizing equals normalising after it: the blend is affine with weights summing to 1.
/// </summary>
public static class InputResize
{
    /// <summary>
    /// <paramref name="images"/> [B, C, H, W] at the model's <paramref name="size"/>: the same tensor when
    /// it already is, else a new pooled tensor (Activations, "batch.images") and <paramref name="images"/> is disposed.
    /// </summary>
    public static Tensor ToSize(DeviceContext device, Tensor images, int size)
    {
        if (images.Shape[2] == size && images.Shape[3] == size)
            return images;
        using (images)
        {
            var resized = new Tensor(device.Pool, MemoryTag.Activations, "batch.images", images.Shape[0], images.Shape[1], size, size);
            ResizeOp.Bilinear(device, images, resized);
            return resized;
        }
    }
}
