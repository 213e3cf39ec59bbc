using CrsIlgpu.Kernels.Loss;
using CrsIlgpu.Kernels.Optim;
using CrsIlgpu.Kernels.Runtime.Memory;
using CrsIlgpu.Training.Optim;

namespace CrsIlgpu.Training.Tests;

public class OverfitTests
{
    [Fact]
    public void SmallVitMemorisesSixtyFourCifarSizedImagesOnTheCpuBackend()
    {
        // 64 random 32×32 RGB images with random labels: only memorisation can fit them, so reaching
        // 95% train accuracy within the step budget shows forward, backward and Adam work together.
        const int images = 64, steps = 150;
        var config = new VitConfig { Name = "overfit", ImageSize = 32, PatchSize = 8, Dim = 64, Depth = 2, Heads = 2, NumClasses = 10 };
        using var device = TestDevices.Create("cpu");
        using var model = new VisionTransformer(device, config);
        model.Parameters.Initialize(seed: 11);
        using var optimizer = new AdamOptimizer(device, model.Parameters, AdamHyperParameters.Adam(learningRate: 1e-3));

        var random = new Random(4);
        using var input = new Tensor(device.Pool, MemoryTag.Activations, "images", images, 3, 32, 32);
        input.CopyFrom(Enumerable.Range(0, (int)input.Length).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray());
        var labels = Enumerable.Range(0, images).Select(_ => random.Next(10)).ToArray();
        using var labelTensor = new IntTensor(device.Pool, images);
        labelTensor.CopyFrom(labels);

        var first = model.ForwardBackward(input, labelTensor);
        optimizer.Update();
        var last = first;
        for (var step = 1; step < steps; step++)
        {
            last = model.ForwardBackward(input, labelTensor);
            optimizer.Update();
        }

        using var logits = model.Forward(input);
        model.Release();
        var values = logits.ToArray();
        var correct = Enumerable.Range(0, images).Count(i =>
        {
            var row = values.AsSpan(i * 10, 10);
            return row.IndexOf(row.ToArray().Max()) == labels[i];
        });
        Assert.True(last < first / 4, $"loss went from {first} to {last}");
        Assert.True(correct >= 61, $"train accuracy {correct}/64 after {steps} steps (loss {first:F3} → {last:F3})");
    }
}
