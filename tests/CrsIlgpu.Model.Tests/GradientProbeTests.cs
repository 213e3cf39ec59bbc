namespace CrsIlgpu.Model.Tests;

/// <summary>
/// The gradient probe (<see cref="GradientProbe"/>) on a two-block ViT with 17 tokens (so attention's
/// budget k = 10 is below L): it measures what the step applied against the true gradient, at k = N
/// it finds no error, at ρ = 0.3 it does, its exact gradient is the dense model's, and a probed step
/// computes the same gradients (and Cached gradient-norm tables) as an unprobed one.
/// </summary>
public class GradientProbeTests
{
    /// <summary>16 patches + class token = 17 tokens; 4 images give N = 68 rows.</summary>
    private static readonly VitConfig Config = new()
    {
        Name = "probe-test", ImageSize = 16, PatchSize = 4, Channels = 3, Dim = 8, Depth = 2, Heads = 2, NumClasses = 5,
    };

    private const int Batch = 4;
    private const SampledSite AllSites = WtaCrsConfig.PaperSites | SampledSite.Qkv;
    private const SampledSite Linears = SampledSite.Qkv | SampledSite.Proj | SampledSite.Fc1 | SampledSite.Fc2;

    private sealed record Outcome(List<IReadOnlyList<ProbeMeasurement>> Probes, List<Dictionary<string, float[]>> Grads, Dictionary<string, float[]>? Caches);

    /// <summary><paramref name="steps"/> steps on one batch (fresh draws each: the step counter moves);
    /// the probe active on the steps <paramref name="probed"/> says.</summary>
    private static Outcome Run(string deviceName, WtaCrsConfig? sampling, int steps, Func<int, bool> probed)
    {
        using var device = TestDevices.Create(deviceName);
        var cached = sampling?.Policy == SamplingPolicy.Cached;
        using var model = new VisionTransformer(device, Config, sampling, exampleSlots: cached ? Batch : 0);
        var random = new Random(8);
        foreach (var p in model.Parameters.All)
            p.Value.CopyFrom(Enumerable.Range(0, (int)p.Value.Length)
                .Select(_ => (float)(random.NextDouble() - 0.5) + (p.Shape.Init == ParameterInit.Ones ? 1f : 0f)).ToArray());
        using var images = new Tensor(device.Pool, MemoryTag.Activations, "images", Batch, 3, 16, 16);
        images.CopyFrom(Enumerable.Range(0, (int)images.Length).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray());
        using var labels = new IntTensor(device.Pool, Batch);
        labels.CopyFrom(Enumerable.Range(0, Batch).Select(i => i % 5).ToArray());
        var probe = model.Sampling is { } state ? state.Probe = new GradientProbe(device) : null;
        var probes = new List<IReadOnlyList<ProbeMeasurement>>();
        var grads = new List<Dictionary<string, float[]>>();
        for (var s = 0; s < steps; s++)
        {
            var on = probe is not null && probed(s);
            if (on)
                probe!.Begin();
            model.ForwardBackward(images, labels, 0.1f, examples: cached ? [3, 1, 0, 2] : null);
            if (on)
            {
                probes.Add(probe!.End());
                Assert.True(probe.PeakBytes > 0);
            }
            grads.Add(model.Parameters.GradientsToHost());
        }
        var caches = model.Sampling?.Caches.Tables.ToDictionary(t => t.Key, t => t.Value.ToArray());
        return new Outcome(probes, grads, caches);
    }

    [Theory]
    [KernelPath]
    [InlineData("cpu", SamplingPolicy.Deferred)]
    [InlineData("cpu", SamplingPolicy.Cached)]
    [InlineData("kernels", SamplingPolicy.Cached)]
    public void AtKEqualToNTheProbeFindsTheExactGradient(string device, SamplingPolicy policy)
    {
        // A configured site samples at ρ = 1 too: k = N, every row a winner with scale 1.
        var probe = Assert.Single(Run(device, new WtaCrsConfig(AllSites, 1.0, policy), 1, _ => true).Probes);
        Assert.Equal(Config.Depth * 6, probe.Count);
        Assert.Equal(Enumerable.Range(0, Config.Depth).SelectMany(b => new[] { "Qkv", "Proj", "Qk", "Av", "Fc1", "Fc2" }.Select(s => $"{b} {s}")).Order(),
            probe.Select(m => $"{m.Block} {m.Site}").Order());
        foreach (var m in probe)
        {
            var what = $"block {m.Block} {m.Site}";
            Assert.True(m.RelativeError < 1e-5, $"{what}: rel error {m.RelativeError:E2}");
            Assert.True(m.Cosine > 1 - 1e-9, $"{what}: cosine {m.Cosine}");
            Assert.Equal(m.Rows, m.Budget);
            Assert.Equal(m.Budget, m.Winners);
            Assert.Equal(m.Site is SampledSite.Qk or SampledSite.Av ? (17, Batch * Config.Heads) : (Batch * 17, 1), (m.Rows, m.Problems));
            Assert.True(m.ExactNorm > 0 && m.Milliseconds >= 0);
        }
    }

    [Theory]
    [InlineData("cpu", SamplingPolicy.Deferred)]
    [InlineData("cpu", SamplingPolicy.Cached)]
    public void AtASmallRatioTheProbeMeasuresTheEstimatorsError(string device, SamplingPolicy policy)
    {
        var probe = Assert.Single(Run(device, new WtaCrsConfig(AllSites, 0.3, policy), 1, _ => true).Probes);
        Assert.Equal(Config.Depth * 6, probe.Count);
        foreach (var m in probe)
        {
            var what = $"block {m.Block} {m.Site}";
            var attention = m.Site is SampledSite.Qk or SampledSite.Av;
            Assert.True(m.Budget < m.Rows, what);
            Assert.Equal(attention ? 10 : 20, m.Budget); // k = max(⌊0.3·N⌋, 10): L = 17 → 10, N = 68 → 20
            Assert.InRange(m.Winners, 0, m.Budget - 1); // a sampled site keeps fewer winners than k: the rest are draws
            Assert.True(double.IsFinite(m.RelativeError), $"{what}: {m.RelativeError}");
            // An estimate of exactly 0 has no direction (NaN cosine): the Cached policy's last-block linears can draw
            // only zero-gradient rows (there only the class token's rows carry gradient; see docs/wtacrs.md).
            Assert.True(m.SampledNorm == 0 ? double.IsNaN(m.Cosine) && m.RelativeError == 1
                : m.Cosine > -1 && m.Cosine <= 1 + 1e-12,
                $"{what}: {m.RelativeError}, {m.Cosine}");
            if (m.Block == Config.Depth - 1 && attention)
            {
                // The loss reads only the class token, so in the last block only its query row carries dO (and dS):
                // one row of mass per (batch, head), which the winners take exactly.
                Assert.True(m.RelativeError < 1e-5, $"{what}: rel error {m.RelativeError}");
                continue;
            }
            if (m.Block < Config.Depth - 1)
            {
                Assert.True(m.RelativeError > 1e-3, $"{what}: rel error {m.RelativeError}");
                Assert.True(m.Cosine < 1 - 1e-7, $"{what}: cosine {m.Cosine}");
            }
            if (m.SampledNorm == 0)
                continue;
            // ‖Ĝ − G‖² = ‖Ĝ‖² + ‖G‖² − 2⟨Ĝ, G⟩: the three figures are of the same two tensors.
            var difference = m.RelativeError * m.ExactNorm;
            var expected = m.SampledNorm * m.SampledNorm + m.ExactNorm * m.ExactNorm - 2 * m.Cosine * m.SampledNorm * m.ExactNorm;
            Assert.True(Math.Abs(difference * difference - expected) <= 1e-9 * (1 + expected), what);
        }
    }

    /// <summary>
    /// With only the linear weights sampled, dx (and so every upstream gradient) stays exact: each
    /// site's exact G is the dense model's dW, and its estimate Ĝ is the gradient the step applied.
    /// </summary>
    /// <summary>
    /// The last block's proj/fc1/fc2 see gradient only in the class-token rows (the loss reads the class
    /// token alone). Once the Cached policy has stored every row's ‖G‖ (step 1), the zero-gradient rows score
    /// 0 and the class rows win: the estimate is exact. (When a cached 0 counted as "never seen", the
    /// zero-gradient rows scored ‖x‖ and took every draw: dW = 0, rel error 1.)
    /// </summary>
    [Theory]
    [KernelPath]
    [InlineData("cpu")]
    [InlineData("kernels")]
    public void CachedZeroNormsAreNotDrawnOnceSeen(string device)
    {
        var probe = Assert.Single(Run(device, new WtaCrsConfig(WtaCrsConfig.PaperSites, 0.3, SamplingPolicy.Cached), 2, s => s == 1).Probes);
        foreach (var m in probe.Where(m => m.Block == Config.Depth - 1 && m.Site is SampledSite.Proj or SampledSite.Fc1 or SampledSite.Fc2))
        {
            Assert.True(m.SampledNorm > 0, $"{m.Site}: the estimate is zero");
            Assert.True(m.RelativeError < 1e-5, $"{m.Site}: rel error {m.RelativeError:E2}");
            Assert.True(m.Winners >= Batch, $"{m.Site}: {m.Winners} winners"); // the class-token rows at least
        }
    }

    /// <summary>A per-site keep ratio sizes that site's selection: fc1 at 0.5 keeps 34 of 68 rows, the others 0.3's 20.</summary>
    [Fact]
    public void PerSiteRatiosSetEachSitesBudget()
    {
        var sampling = new WtaCrsConfig(Linears, 0.3) { SiteRatios = new Dictionary<SampledSite, double> { [SampledSite.Fc1] = 0.5 } };
        var probe = Assert.Single(Run("cpu", sampling, 1, _ => true).Probes);
        Assert.All(probe, m => Assert.Equal(m.Site == SampledSite.Fc1 ? 34 : 20, m.Budget));
    }

    [Fact]
    public void TheExactGradientIsTheDenseOneAndTheEstimateIsTheAppliedOne()
    {
        var dense = Run("cpu", null, 1, _ => false).Grads[0];
        var sampled = Run("cpu", new WtaCrsConfig(Linears, 0.3, SamplingPolicy.Deferred), 1, _ => true);
        foreach (var m in sampled.Probes[0])
        {
            var name = $"blocks.{m.Block}." + m.Site switch
            {
                SampledSite.Qkv => "attn.qkv",
                SampledSite.Proj => "attn.proj",
                SampledSite.Fc1 => "mlp.fc1",
                _ => "mlp.fc2",
            } + ".weight";
            Assert.Equal(Norm(dense[name]), m.ExactNorm, 1e-5 * m.ExactNorm);
            Assert.Equal(Norm(sampled.Grads[0][name]), m.SampledNorm, 1e-9 * m.SampledNorm);
        }
    }

    [Theory]
    [InlineData("cpu", SamplingPolicy.Deferred)]
    [InlineData("cpu", SamplingPolicy.Cached)]
    public void AProbedStepComputesWhatAnUnprobedOneDoes(string device, SamplingPolicy policy)
    {
        var sampling = new WtaCrsConfig(AllSites, 0.3, policy, Seed: 3);
        var plain = Run(device, sampling, 3, _ => false);
        var probed = Run(device, sampling, 3, s => s != 1); // steps 0 and 2 probed, 1 not
        Assert.Equal(2, probed.Probes.Count);
        for (var s = 0; s < 3; s++)
            foreach (var (name, g) in plain.Grads[s])
                Assert.True(g.AsSpan().SequenceEqual(probed.Grads[s][name]), $"step {s}: {name} differs with the probe");
        Assert.Equal(plain.Caches!.Keys.Order(), probed.Caches!.Keys.Order());
        foreach (var (layer, table) in plain.Caches)
            Assert.Equal(table, probed.Caches[layer]);
        if (policy == SamplingPolicy.Cached)
            Assert.Equal(Config.Depth * 4, plain.Caches.Count);
    }

    private static double Norm(float[] values) => Math.Sqrt(values.Sum(v => (double)v * v));
}
