using static CrsIlgpu.Model.Tests.SampledTrainingSteps;

namespace CrsIlgpu.Model.Tests.Saved;

/// <summary>
/// The memory savers change what a step keeps, not what it computes: the same loss and gradients
/// (bit for bit where the recompute takes the same path through the GEMMs), and exactly the bytes
/// each saver claims to drop.
/// </summary>
public class MemorySaversTests
{
    private static readonly MemorySavers Gelu = new() { RecomputeGelu = true };

    private static WtaCrsConfig Sampled(SamplingPolicy policy) => new(WtaCrsConfig.PaperSites, 0.4, policy, KMin: 1, Seed: 9);

    [KernelPath]
    [Theory]
    [InlineData("kernels")]
    [InlineData("cpu")]
    public void RecomputingGeluGivesTheSameDenseStepBitForBit(string deviceName)
    {
        using var kept = TestDevices.Create(deviceName);
        using var recomputed = TestDevices.Create(deviceName);
        var expected = Run(kept, null, 3);
        var actual = Run(recomputed, null, 3, savers: Gelu);

        // GELU on the same input is the same floats, and fc2's dW GEMM reads them as before.
        Assert.Equal(BitConverter.SingleToInt32Bits(expected.Loss), BitConverter.SingleToInt32Bits(actual.Loss));
        foreach (var (name, g) in expected.Grads)
            Assert.True(g.Select(BitConverter.SingleToInt32Bits).SequenceEqual(actual.Grads[name].Select(BitConverter.SingleToInt32Bits)), name);
    }

    [KernelPath]
    [Theory]
    [InlineData("kernels", SamplingPolicy.Cached)]
    [InlineData("cpu", SamplingPolicy.Cached)]
    [InlineData("cpu", SamplingPolicy.Deferred)]
    public void RecomputingGeluUnderSamplingDrawsTheSameRowsAndGivesTheSameGradients(string deviceName, SamplingPolicy policy)
    {
        using var kept = TestDevices.Create(deviceName);
        using var recomputed = TestDevices.Create(deviceName);
        var expected = Run(kept, Sampled(policy), 3);
        var actual = Run(recomputed, Sampled(policy), 3, savers: MemorySavers.Lean);

        // Cached fc2 now reads its chosen rows from the recomputed tensor inside the sampled GEMM
        // (scale applied in the main loop) instead of from rows scaled at forward: reassociation only.
        Assert.Equal(expected.Loss, actual.Loss);
        foreach (var (name, g) in expected.Grads)
        {
            var largest = g.Max(MathF.Abs);
            var error = g.Zip(actual.Grads[name], (e, a) => Math.Abs(e - a)).Max();
            Assert.True(error <= 1e-5 * largest, $"{name}: max error {error:E2}, largest {largest:E2}");
        }
        Assert.Contains(expected.Grads["blocks.0.mlp.fc2.weight"], x => x != 0);
    }

    [Theory]
    [InlineData(null)]
    [InlineData(SamplingPolicy.Cached)]
    public void RecomputingGeluKeepsNoTensorOfWidthFForFc2(SamplingPolicy? policy)
    {
        var config = VitConfig.VitCifarTiny;
        const int batch = 4;
        var sampling = policy is { } p ? new WtaCrsConfig(WtaCrsConfig.PaperSites, 0.3, p) : null;
        var kept = SavedAfterForward(config, batch, sampling, MemorySavers.None);
        var recomputed = SavedAfterForward(config, batch, sampling, Gelu);

        long n = batch * config.Tokens, f = config.Hidden, k = sampling?.Budget((int)n, SampledSite.Fc2) ?? 0;
        // Dense: GELU's output [N, F] per block; Cached: fc2's k pre-scaled rows [k, F] (its selection stays).
        var perBlock = (policy is null ? n : k) * f * sizeof(float);
        Assert.Equal(config.Depth * perBlock, kept.Total - recomputed.Total);
        Assert.DoesNotContain(recomputed.Entries, e => e.Layer.EndsWith("mlp.fc2", StringComparison.Ordinal) && e.Role != SavedRole.Selection);
        Assert.Equal(policy is null ? 0 : config.Depth, recomputed.Entries.Count(e => e is { Role: SavedRole.Selection } && e.Layer.EndsWith("mlp.fc2", StringComparison.Ordinal)));
    }

    [KernelPath]
    [Theory]
    [InlineData("kernels")]
    [InlineData("cpu")]
    public void LayerNormFromItsOutputGivesTheSameLossAndGradientsUpToRounding(string deviceName)
    {
        using var kept = TestDevices.Create(deviceName);
        using var fromOutput = TestDevices.Create(deviceName);
        var expected = Run(kept, null, 3);
        var actual = Run(fromOutput, null, 3, savers: new MemorySavers { LayerNormFromOutput = true });

        // The forward is the same (residual sums in place are the same floats); backward recovers
        // x̂ = (y − β)/γ, a few ulp off the one computed from x.
        Assert.Equal(BitConverter.SingleToInt32Bits(expected.Loss), BitConverter.SingleToInt32Bits(actual.Loss));
        foreach (var (name, g) in expected.Grads)
        {
            var largest = g.Max(MathF.Abs);
            var error = g.Zip(actual.Grads[name], (e, a) => Math.Abs(e - a)).Max();
            Assert.True(error <= 1e-5 * largest, $"{name}: max error {error:E2}, largest {largest:E2}");
        }
    }

    [Fact]
    public void LayerNormFromItsOutputKeepsNoLayerNormInputAndSamplingItsConsumerSavesNothing()
    {
        var config = VitConfig.VitCifarTiny;
        const int batch = 4;
        var savers = new MemorySavers { LayerNormFromOutput = true };
        var kept = SavedAfterForward(config, batch, null, MemorySavers.None);
        var fromOutput = SavedAfterForward(config, batch, null, savers);

        // Per block the two LayerNorm inputs (x and mid, [N, D] each), and the head's class rows [B, D].
        long n = batch * config.Tokens, d = config.Dim;
        Assert.Equal((config.Depth * 2 * n * d + batch * d) * sizeof(float), kept.Total - fromOutput.Total);
        Assert.DoesNotContain(fromOutput.Entries, e => e.Layer.Contains("norm", StringComparison.Ordinal) && e.Name != e.Layer + ".out"
            && e.Role == SavedRole.InputGradient);

        // fc1's input is norm2's output, kept whole anyway: a Cached fc1 adds its selection and saves nothing.
        var fc1 = new WtaCrsConfig(SampledSite.Fc1, 0.3, SamplingPolicy.Cached);
        var sampled = SavedAfterForward(config, batch, fc1, savers);
        var selection = sampled.Entries.Where(e => e.Role == SavedRole.Selection).ToList();
        Assert.Equal(config.Depth, selection.Count);
        Assert.Equal(selection.Sum(e => e.Bytes), sampled.Total - fromOutput.Total);
    }

    private static (long Total, IReadOnlyList<SavedEntryInfo> Entries) SavedAfterForward(VitConfig config, int batch, WtaCrsConfig? sampling,
        MemorySavers savers)
    {
        var entries = PlannedSteps.SavedAfterForward(config, batch, sampling, savers);
        return (entries.Sum(e => e.Bytes), entries);
    }
}
