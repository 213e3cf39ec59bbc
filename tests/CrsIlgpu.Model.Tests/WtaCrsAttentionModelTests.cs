using static CrsIlgpu.Model.Tests.SampledTrainingSteps;

namespace CrsIlgpu.Model.Tests;

/// <summary>
/// The attention sites of WTA-CRS in the model (qk: dK = scale·dSᵀ Q, av: dV = Aᵀ dO, sampled over
/// query rows per (batch, head)) and the attention recompute.
/// </summary>
public class WtaCrsAttentionModelTests
{
    private const SampledSite AttentionSites = SampledSite.Qk | SampledSite.Av;

    [Theory]
    [KernelPath]
    [InlineData("kernels", AttentionSites, SamplingPolicy.Deferred)]
    [InlineData("cpu", AttentionSites, SamplingPolicy.Deferred)]
    [InlineData("kernels", WtaCrsConfig.PaperSites, SamplingPolicy.Cached)]
    [InlineData("cpu", WtaCrsConfig.PaperSites, SamplingPolicy.Cached)]
    public void RatioOneReproducesDenseTraining(string deviceName, SampledSite sites, SamplingPolicy policy)
    {
        using var dense = TestDevices.Create(deviceName);
        using var sampled = TestDevices.Create(deviceName);
        var expected = Run(dense, null, 3);
        var actual = Run(sampled, new WtaCrsConfig(sites, 1.0, policy, KMin: 1), 3);

        // k = L keeps every query row with scale 1: only the summation order of dV / dK differs.
        Assert.Equal(expected.Loss, actual.Loss);
        Assert.Equal(expected.Logits, actual.Logits);
        foreach (var (name, g) in expected.Grads)
            Assert.True(RelativeError(g, actual.Grads[name]) < 1e-5, $"{name}: {RelativeError(g, actual.Grads[name]):E2}");
    }

    /// <summary>
    /// L = 5 query rows, k = max(⌊0.4·5⌋, 1) = 2 per (batch, head). Block 0's dV (or dK) is estimated;
    /// the mean of 400 steps' gradients of block 0's qkv weight (which dV and dK feed) tends to the exact
    /// one — 5× closer than one draw and, from 25 to 400 steps, ~4× (1/√16) closer; demand 2×.
    /// Block 1's attention sees a gradient only at the class-token row (the head reads only that row),
    /// which the winners keep exactly. Everything downstream of the sampled matmuls stays exact.
    /// </summary>
    [Theory]
    [InlineData(SampledSite.Av)]
    [InlineData(SampledSite.Qk)]
    public void SampledAttentionGradientsAreUnbiasedAndDownstreamStaysExact(SampledSite site)
    {
        const int batch = 6;
        using var dense = TestDevices.Create("cpu");
        using var sampled = TestDevices.Create("cpu");
        var exact = Run(dense, null, batch);
        var config = new WtaCrsConfig(site, 0.4, SamplingPolicy.Cached, KMin: 1, Seed: 3);
        var one = Run(sampled, config, batch);
        var mean25 = Run(sampled, config, batch, steps: 25);
        var mean400 = Run(sampled, config, batch, steps: 400);

        const string qkv = "blocks.0.attn.qkv.weight";
        var single = RelativeError(exact.Grads[qkv], one.Grads[qkv]);
        var at25 = RelativeError(exact.Grads[qkv], mean25.Grads[qkv]);
        var at400 = RelativeError(exact.Grads[qkv], mean400.Grads[qkv]);
        var figures = $"one draw {single:E2}, mean of 25 {at25:E2}, of 400 {at400:E2}";
        Assert.True(single > 0.02, "one draw should differ from the exact gradient: " + figures);
        Assert.True(at400 < single / 5, figures);
        Assert.True(at400 < at25 / 2, figures);

        // Not upstream of block 0's attention matmuls: the dense gradient.
        string[] downstream = ["blocks.1.", "blocks.0.mlp.", "blocks.0.norm2.", "blocks.0.attn.proj.", "norm.", "head."];
        foreach (var name in exact.Grads.Keys.Where(n => downstream.Any(d => n.StartsWith(d, StringComparison.Ordinal))))
            Assert.True(RelativeError(exact.Grads[name], one.Grads[name]) < 1e-5, $"{name}: {RelativeError(exact.Grads[name], one.Grads[name]):E2}");
    }

    [Theory]
    [KernelPath]
    [InlineData("kernels", false)]
    [InlineData("cpu", false)]
    [InlineData("kernels", true)]
    [InlineData("cpu", true)]
    public void RecomputingAttentionGivesTheSameGradients(string deviceName, bool sampled)
    {
        using var kept = TestDevices.Create(deviceName);
        using var recomputed = TestDevices.Create(deviceName);
        var config = sampled ? new WtaCrsConfig(WtaCrsConfig.PaperSites, 0.4, SamplingPolicy.Cached, KMin: 1, Seed: 9) : null;
        var expected = Run(kept, config, 3);
        var actual = Run(recomputed, config, 3, savers: new MemorySavers { RecomputeAttention = true });

        // The recompute runs the forward's ops in the same order: the same A, the same draws. (Element-wise:
        // a sampled gradient may be all zeros, e.g. block 1's fc1 when no class-token row was drawn.)
        Assert.Equal(expected.Loss, actual.Loss);
        foreach (var (name, g) in expected.Grads)
        {
            var largest = g.Max(MathF.Abs);
            var error = g.Zip(actual.Grads[name], (e, a) => Math.Abs(e - a)).Max();
            Assert.True(error <= 1e-6 * largest, $"{name}: max error {error:E2}, largest {largest:E2}");
        }
        Assert.Contains(expected.Grads.Values, g => g.Any(x => x != 0));
    }

    /// <summary>
    /// Planned on the GPU kernel path: recompute keeps no attention matrix [B·H, L, L] per block, so
    /// the bytes saved for backward drop by depth·|A|. The step's peak is in the last block's MLP
    /// backward (fc1's [N, 4D] gradients), before the first recomputed A exists, so the peak drops by
    /// exactly depth·|A| as well; the recomputed A (one block's at a time) stays below it.
    /// </summary>
    [Theory]
    [InlineData("vit-cifar-tiny", 4)]
    [InlineData("vit-b16", 2)]
    public void RecomputeLowersThePlannedPeakByEveryBlocksAttentionMatrix(string preset, int batch)
    {
        var config = VitConfig.Resolve(preset);
        var (keptPeak, keptSaved) = Plan(config, batch, false);
        var (recomputedPeak, recomputedSaved) = Plan(config, batch, true);
        long attention = (long)batch * config.Heads * config.Tokens * config.Tokens * sizeof(float);
        Assert.Equal(config.Depth * attention, keptSaved - recomputedSaved);
        Assert.Equal(config.Depth * attention, keptPeak - recomputedPeak);
    }

    private static (long Peak, long SavedAfterForward) Plan(VitConfig config, int batch, bool recompute)
    {
        using var planner = DeviceContext.CreatePlanner();
        using var model = new VisionTransformer(planner, config, savers: new MemorySavers { RecomputeAttention = recompute });
        using var images = new Tensor(planner.Pool, MemoryTag.Activations, "images", batch, config.Channels, config.ImageSize, config.ImageSize);
        using var labels = new IntTensor(planner.Pool, batch);
        long saved = 0;
        model.ForwardBackward(images, labels, afterForward: () =>
            saved = planner.Pool.LiveAllocations().Where(a => a.Tag == MemoryTag.SavedForBackward).Sum(a => a.Bytes));
        return (planner.Pool.Stats().PeakAllocated, saved);
    }

    [Fact]
    public void ConfigAcceptsTheAttentionSitesAndPresets()
    {
        new WtaCrsConfig(WtaCrsConfig.ParseSites("paper"), 0.3, SamplingPolicy.Cached).Validate();
        new WtaCrsConfig(WtaCrsConfig.ParseSites("seed-report"), 0.3).Validate();
        new WtaCrsConfig(WtaCrsConfig.ParseSites("qk,av"), 0.5).Validate();
        Assert.Equal(SampledSite.Qk | SampledSite.Av, WtaCrsConfig.ParseSites("qk, av"));
        Assert.Throws<CrsException>(() => new WtaCrsConfig(AttentionSites, 0).Validate());
    }
}
