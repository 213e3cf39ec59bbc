using CrsIlgpu.Kernels.Resize;
using CrsIlgpu.Kernels.Runtime.Memory;
using CrsIlgpu.Training.Data;

namespace CrsIlgpu.Training.Prediction;

/// <summary>
/// Decoded images of any size → one model input [B, 3, S, S], prepared as evaluation prepares CIFAR:
/// each image normalised at its own size with the dataset's statistics (<see cref="Augmentation.Affine"/>),
/// uploaded, and resized on the device by the training pipeline's op (<see cref="ResizeOp.Bilinear"/>:
/// bilinear, align_corners = false, no antialias) into its slot; an image already S×S is copied as is.
/// A 32×32 PNG of a CIFAR image thus reaches the model exactly as `crs eval` feeds that image.
/// The aspect ratio is not kept (torchvision's Resize((S, S))).
/// </summary>
public static class PredictionBatch
{
    public static Tensor Upload(DeviceContext device, IReadOnlyList<ImageFile> images, Augmentation normalisation, int size)
    {
        const int channels = CifarImages.Channels;
        var batch = new Tensor(device.Pool, MemoryTag.Activations, "batch.images", images.Count, channels, size, size);
        try
        {
            for (var i = 0; i < images.Count; i++)
            {
                var image = images[i];
                var slot = batch.Slice((long)i * channels * size * size, "batch.image", 1, channels, size, size);
                var planes = Normalise(image, normalisation);
                if (image.Width == size && image.Height == size)
                {
                    slot.CopyFrom(planes);
                    continue;
                }
                using var source = new Tensor(device.Pool, MemoryTag.Activations, "batch.source", 1, channels, image.Height, image.Width);
                source.CopyFrom(planes);
                ResizeOp.Bilinear(device, source, slot);
            }
            return batch;
        }
        catch
        {
            batch.Dispose();
            throw;
        }
    }

    /// <summary>Interleaved RGB bytes → normalised CHW floats at the image's own size.</summary>
    public static float[] Normalise(ImageFile image, Augmentation normalisation)
    {
        var pixels = image.Width * image.Height;
        var planes = new float[CifarImages.Channels * pixels];
        for (var c = 0; c < CifarImages.Channels; c++)
        {
            var (scale, shift) = normalisation.Affine(c);
            var plane = planes.AsSpan(c * pixels, pixels);
            for (var p = 0; p < pixels; p++)
                plane[p] = image.Rgb[3 * p + c] * scale + shift;
        }
        return planes;
    }
}
