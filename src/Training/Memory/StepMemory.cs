using CrsIlgpu.Kernels.Loss;
using CrsIlgpu.Kernels.Optim;
using CrsIlgpu.Kernels.Runtime.Memory;
using CrsIlgpu.Model;
using CrsIlgpu.Model.Sampling;
using CrsIlgpu.Training.Data;
using CrsIlgpu.Training.Optim;
using CrsIlgpu.Training.Trainer;

namespace CrsIlgpu.Training.Memory;

/// <summary>
/// Runs one full training step (forward, loss, backward, Adam update) on a device and reports the
/// pool's peaks. On a planning device the same allocations happen with no memory and no launches.
/// </summary>
public static class StepMemory
{
    /// <param name="savers">What the step keeps less of (none by default).</param>
    public static StepMemoryReport Measure(DeviceContext device, VitConfig config, int batch,
        int seed = 0, WtaCrsConfig? sampling = null, MemorySavers? savers = null)
    {
        config.CheckBatch(batch);
        using var model = new VisionTransformer(device, config, sampling, savers: savers);
        if (!device.IsPlanning)
            model.Parameters.Initialize(seed);
        using var optimizer = new AdamOptimizer(device, model.Parameters, AdamHyperParameters.Adam(3e-4));
        // Training feeds CIFAR's 32×32 batch and resizes it on the device to the model's size: plan that too.
        var inputSide = config.Channels == CifarImages.Channels ? CifarImages.Side : config.ImageSize;
        var input = new Tensor(device.Pool, MemoryTag.Activations, "images", batch, config.Channels, inputSide, inputSide);
        using var labels = new IntTensor(device.Pool, batch);
        // A plan has no memory behind its tensors: a host copy of the images (gigabytes at large batches) would be the only real allocation.
        if (!device.IsPlanning)
        {
            var random = new Random(seed);
            input.CopyFrom(Enumerable.Range(0, (int)input.Length).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray());
            labels.CopyFrom(Enumerable.Range(0, batch).Select(_ => random.Next(config.NumClasses)).ToArray());
        }

        using var images = InputResize.ToSize(device, input, config.ImageSize);

        IReadOnlyList<SavedEntryInfo> saved = [];
        var loss = model.ForwardBackward(images, labels, afterForward: () => saved = model.Saved.Entries);
        optimizer.Update();
        device.Synchronize();
        return new StepMemoryReport(config.Name, batch, model.Parameters.Count, device.Description, device.IsPlanning,
            device.Pool.Stats(), SavedBytesByLayer.Sum(saved), device.IsPlanning ? null : loss)
        {
            Ratio = sampling?.Ratio ?? 1.0,
            Savers = savers ?? MemorySavers.None,
            SavedTensors = SavedBytesByLayer.ByTensor(saved),
            SavedByLayer = SavedBytesByLayer.ByKeeper(saved),
            Sampling = WtaCrsConfig.Describe(sampling) + (savers ?? MemorySavers.None).Describe(),
        };
    }
}
