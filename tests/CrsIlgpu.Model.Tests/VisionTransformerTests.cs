using CrsIlgpu.Kernels.Loss;

namespace CrsIlgpu.Model.Tests;

public class VisionTransformerTests
{
    private static readonly VitConfig Tiny = new()
    {
        Name = "test-tiny", ImageSize = 8, PatchSize = 4, Channels = 3, Dim = 8, Depth = 2, Heads = 2, NumClasses = 5,
    };

    /// <summary>Weights well away from init (uniform ±0.5, LayerNorm gains 1 ± 0.5) so every path carries signal.</summary>
    private static Dictionary<string, float[]> RandomParameters(VitConfig config, int seed)
    {
        var random = new Random(seed);
        return VitParameterLayout.For(config).ToDictionary(p => p.Name, p =>
            Enumerable.Range(0, (int)p.Length)
                .Select(_ => (float)(random.NextDouble() - 0.5) + (p.Init == ParameterInit.Ones ? 1f : 0f))
                .ToArray());
    }

    [Theory]
    [KernelPath]
    [MemberData(nameof(TestDevices.Names), MemberType = typeof(TestDevices))]
    public void LogitsLossAndEveryGradientMatchTheDoubleReference(string deviceName)
    {
        const int batch = 3;
        const float smoothing = 0.1f;
        var parameters = RandomParameters(Tiny, 5);
        var random = new Random(9);
        var images = Enumerable.Range(0, batch * 3 * 8 * 8).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        int[] labels = [4, 0, 2];
        var (expected, grads) = VitReference.ForwardBackward(Tiny, ReferenceParameters.FromFloats(Tiny, parameters),
            images.Select(v => (double)v).ToArray(), labels, smoothing);

        using var lease = SharedTestDevices.Lease(deviceName); // one context per collection on CUDA: nothing here needs a fresh one
        var device = lease.Device;
        using var model = new VisionTransformer(device, Tiny);
        foreach (var p in model.Parameters.All)
            p.Value.CopyFrom(parameters[p.Name]);
        using var input = new Tensor(device.Pool, MemoryTag.Activations, "images", batch, 3, 8, 8);
        input.CopyFrom(images);
        using var labelTensor = new IntTensor(device.Pool, batch);
        labelTensor.CopyFrom(labels);
        var logits = new float[batch * Tiny.NumClasses];
        var loss = model.ForwardBackward(input, labelTensor, smoothing, logits);

        // fp32 through 2 blocks of width 8 against double: errors of a few 1e-7 relative. 1e-4 of each
        // tensor's largest value leaves margin; a missing term or a wrong index is off by far more.
        Assert.Equal(expected.Loss, loss, 1e-4);
        for (var i = 0; i < logits.Length; i++)
            Assert.Equal(expected.Logits[i], logits[i], 1e-4);
        var actual = model.Parameters.GradientsToHost();
        foreach (var p in model.Parameters.All)
        {
            var want = grads.Parameters[p.Name].Data;
            var got = actual[p.Name];
            var scale = Math.Max(1e-3, want.Max(Math.Abs));
            var worst = want.Zip(got, (w, g) => Math.Abs(w - g)).Max();
            Assert.True(worst <= 1e-4 * scale, $"{p.Name}: max |Δ| {worst:E2} vs scale {scale:E2}");
        }
    }

    [Theory]
    [KernelPath]
    [MemberData(nameof(TestDevices.Names), MemberType = typeof(TestDevices))]
    public void ATrainingStepFreesEverythingItSaved(string deviceName)
    {
        using var device = TestDevices.Create(deviceName);
        using var model = new VisionTransformer(device, Tiny);
        model.Parameters.Initialize(seed: 1);
        var baseline = device.Pool.Allocated;
        Assert.Equal(2 * 4 * model.Parameters.Count, baseline); // weights + gradients, fp32

        using var input = new Tensor(device.Pool, MemoryTag.Activations, "images", 2, 3, 8, 8);
        input.CopyFrom(new float[2 * 3 * 64]);
        using var labels = new IntTensor(device.Pool, 2);
        labels.CopyFrom([1, 3]);
        device.Pool.ResetPeak();
        model.ForwardBackward(input, labels);

        Assert.Equal(0, device.Pool.LiveBytes(MemoryTag.SavedForBackward));
        Assert.True(device.Pool.PeakBytes(MemoryTag.SavedForBackward) > 0);
        Assert.Equal(baseline + input.Length * 4 + 2 * 4, device.Pool.Allocated); // only the step's inputs remain
    }

    [Fact]
    public void InitializeFollowsTimm()
    {
        using var device = TestDevices.Create("cpu");
        using var model = new VisionTransformer(device, VitConfig.VitCifarTiny);
        model.Parameters.Initialize(seed: 3);
        var values = model.Parameters.ValuesToHost();
        Assert.All(values["blocks.0.norm1.weight"], v => Assert.Equal(1f, v));
        Assert.All(values["blocks.0.attn.qkv.bias"], v => Assert.Equal(0f, v));
        var fc1 = values["blocks.0.mlp.fc1.weight"];
        Assert.All(fc1, v => Assert.InRange(v, -0.04f, 0.04f));
        var std = Math.Sqrt(fc1.Average(v => (double)v * v));
        Assert.InRange(std, 0.0170, 0.0182); // normal(0, 0.02) cut at ±2σ has std 0.0176
    }
}
