using CrsIlgpu.Kernels.Sampling;

namespace CrsIlgpu.Model.Tests;

public class WtaCrsModelTests
{
    private static readonly VitConfig Tiny = SampledTrainingSteps.Tiny;

    private const SampledSite Linears = SampledSite.Qkv | SampledSite.Proj | SampledSite.Fc1 | SampledSite.Fc2;

    private static (float Loss, float[] Logits, Dictionary<string, float[]> Grads) Step(DeviceContext device, WtaCrsConfig? sampling, int batch,
        int steps = 1, bool exampleIds = false) =>
        SampledTrainingSteps.Run(device, sampling, batch, steps, exampleIds);

    private static double RelativeError(float[] expected, float[] actual) => SampledTrainingSteps.RelativeError(expected, actual);

    [Theory]
    [KernelPath]
    [InlineData("kernels", SamplingPolicy.Deferred)]
    [InlineData("kernels", SamplingPolicy.Cached)]
    [InlineData("cpu", SamplingPolicy.Deferred)]
    [InlineData("cpu", SamplingPolicy.Cached)]
    public void RatioOneReproducesDenseTraining(string deviceName, SamplingPolicy policy)
    {
        using var dense = TestDevices.Create(deviceName);
        using var sampled = TestDevices.Create(deviceName);
        var expected = Step(dense, null, 3);
        var actual = Step(sampled, new WtaCrsConfig(Linears, 1.0, policy), 3);

        // ρ = 1 keeps every row with scale 1: only the summation order of dW differs (fp32, sums of
        // 15 rows), so 1e-5 of each tensor's norm; a dropped or rescaled row is off by far more.
        Assert.Equal(expected.Loss, actual.Loss);
        Assert.Equal(expected.Logits, actual.Logits);
        foreach (var (name, g) in expected.Grads)
            Assert.True(RelativeError(g, actual.Grads[name]) < 1e-5, $"{name}: {RelativeError(g, actual.Grads[name]):E2}");
    }

    [Theory]
    [InlineData(SamplingPolicy.Deferred, false)]
    [InlineData(SamplingPolicy.Cached, false)]
    [InlineData(SamplingPolicy.Cached, true)]
    public void SampledWeightGradientIsUnbiasedAndTheRestStaysExact(SamplingPolicy policy, bool exampleIds)
    {
        const int batch = 12; // 60 token rows: k = max(⌊0.3·60⌋, 10) = 18
        using var dense = TestDevices.Create("cpu");
        using var sampled = TestDevices.Create("cpu");
        var exact = Step(dense, null, batch);
        var config = new WtaCrsConfig(SampledSite.Fc2, 0.3, policy, Seed: 7);
        // With example ids the Cached policy scores rows by ‖x_i‖ times the ‖G_i‖ cached at the
        // previous step: p changes from step 2 on, the estimate must stay unbiased.
        var one = Step(sampled, config, batch, exampleIds: exampleIds);
        var mean = Step(sampled, config, batch, steps: 400, exampleIds: exampleIds);

        // Block 0: its output gradient reaches every token through attention (block 1's reaches only the
        // class-token rows, which the winners keep exactly).
        const string fc2 = "blocks.0.mlp.fc2.weight";
        var single = RelativeError(exact.Grads[fc2], one.Grads[fc2]);
        var averaged = RelativeError(exact.Grads[fc2], mean.Grads[fc2]);
        Assert.True(single > 0.02, $"one draw should differ from the exact gradient, got {single:E2}");
        // Unbiased: averaging 400 independent draws shrinks the error about 20× (1/√400); demand 5×.
        Assert.True(averaged < single / 5, $"mean of 400 draws {averaged:E3} vs one draw {single:E3}");
        // dX and db stay exact, so every other parameter's gradient is the dense one.
        foreach (var name in exact.Grads.Keys.Where(n => !n.EndsWith("fc2.weight", StringComparison.Ordinal)))
            Assert.True(RelativeError(exact.Grads[name], one.Grads[name]) < 1e-5, name);
    }

    [Fact]
    public void CachedPolicyRemembersEachExamplesGradientNorms()
    {
        const int batch = 4;
        using var device = TestDevices.Create("cpu");
        using var model = new VisionTransformer(device, Tiny, new WtaCrsConfig(SampledSite.Fc2, 0.5, SamplingPolicy.Cached), exampleSlots: 10);
        model.Parameters.Initialize(seed: 2);
        using var images = new Tensor(device.Pool, MemoryTag.Activations, "images", batch, 3, 8, 8);
        images.CopyFrom(Enumerable.Range(0, (int)images.Length).Select(i => MathF.Sin(i)).ToArray());
        using var labels = new IntTensor(device.Pool, batch);
        labels.CopyFrom([0, 1, 2, 3]);
        model.ForwardBackward(images, labels, examples: [7, 2, 9, 0]);

        var caches = model.Sampling!.Caches.Tables;
        Assert.Equal(2, caches.Count); // fc2 of both blocks
        var block0 = caches.Single(c => c.Key.StartsWith("blocks.0.", StringComparison.Ordinal)).Value;
        Assert.Equal(10 * Tiny.Tokens, block0.Length);
        // The tables live on the host: after the step only the batch's identity ids stay on the device.
        Assert.DoesNotContain(device.Pool.LiveAllocations(), a => a.Label?.Contains("gradnorm",
            StringComparison.Ordinal) == true && a.Label != "wtacrs.gradnorm_ids");
        var tokens = Tiny.Tokens;
        foreach (var slot in new[] { 7, 2, 9, 0 })
            Assert.All(block0[(slot * tokens)..((slot + 1) * tokens)], v => Assert.True(v > 0)); // every token of a seen example
        foreach (var slot in new[] { 1, 3, 4, 5, 6, 8 })
            Assert.All(block0[(slot * tokens)..((slot + 1) * tokens)], v => Assert.Equal(GradNormCacheReference.Unseen, v)); // unseen examples: nothing cached
    }
}
