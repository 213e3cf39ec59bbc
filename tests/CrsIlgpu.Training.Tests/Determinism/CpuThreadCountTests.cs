using CrsIlgpu.Kernels.Optim;
using CrsIlgpu.Kernels.Runtime.Memory;
using CrsIlgpu.Model.Sampling;
using CrsIlgpu.Training.Optim;

namespace CrsIlgpu.Training.Tests.Determinism;

/// <summary>
/// The CPU backend's results must not depend on how many threads run its ops: the same training
/// steps with 1, 2 and 4 threads give the same weight bytes. The model is sized so that every op
/// family passes its parallel threshold (rows × width above 65536 elements, GEMMs above 2·96³ flops,
/// and linear layers large enough for GemmCpu's cooperative split, whose row/column partition
/// depends on the thread count), dense and with WTA-CRS sampling (selection, gathers, sampled GEMMs).
/// </summary>
[Collection(CpuThreadsCollection.Name)]
public sealed class CpuThreadCountTests
{
    [Theory]
    [InlineData(1.0)]
    [InlineData(0.5)]
    public void TrainingStepsGiveTheSameBytesWithOneTwoAndFourThreads(double ratio)
    {
        var results = CpuThreadCounts.Each([1, 2, 4], () => Train(ratio));
        foreach (var (name, values) in results[0])
        {
            Assert.Equal(values, results[1][name]);
            Assert.Equal(values, results[2][name]);
        }
    }

    private static Dictionary<string, float[]> Train(double ratio)
    {
        // 64 patches + class token = 65 tokens × batch 32 = 2080 rows of width 64 (MLP 256).
        const int batch = 32;
        var config = new VitConfig { Name = "threads", ImageSize = 32, PatchSize = 4, Dim = 64, Depth = 2, Heads = 2, NumClasses = 10 };
        var sampling = ratio < 1 ? new WtaCrsConfig(WtaCrsConfig.PaperSites | SampledSite.Qkv, ratio, SamplingPolicy.Deferred, Seed: 5) : null;
        using var device = TestDevices.Create("cpu");
        using var model = new VisionTransformer(device, config, sampling);
        model.Parameters.Initialize(seed: 3);
        // clipNorm small: clipping is active, so the gradient norm reaches every weight
        using var optimizer = new AdamOptimizer(device, model.Parameters, AdamHyperParameters.AdamW(1e-3, 0.05), clipNorm: 0.05f);
        var random = new Random(6);
        using var images = new Tensor(device.Pool, MemoryTag.Activations, "images", batch, 3, 32, 32);
        images.CopyFrom(Enumerable.Range(0, (int)images.Length).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray());
        using var labels = new IntTensor(device.Pool, batch);
        labels.CopyFrom(Enumerable.Range(0, batch).Select(_ => random.Next(10)).ToArray());
        for (var step = 0; step < 2; step++)
        {
            model.ForwardBackward(images, labels, labelSmoothing: 0.1f);
            optimizer.Update();
        }
        return model.Parameters.ValuesToHost();
    }
}
