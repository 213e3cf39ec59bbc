using CrsIlgpu.Model.Saved;
using CrsIlgpu.Model.Sampling;
using CrsIlgpu.Training.Memory;

namespace CrsIlgpu.Training.Tests.Memory;

/// <summary>What sampling saves per site under the savers, from two planned steps, against a hand count.</summary>
public class SiteSavingsTests
{
    private static readonly VitConfig Config = VitConfig.VitCifarTiny;
    private const int Batch = 4;

    private static IReadOnlyList<SiteSavings> Sites(WtaCrsConfig sampling, MemorySavers savers)
    {
        using var dense = DeviceContext.CreatePlanner();
        using var sampled = DeviceContext.CreatePlanner();
        return SiteSavings.Compare(StepMemory.Measure(dense, Config, Batch, savers: savers),
            StepMemory.Measure(sampled, Config, Batch, sampling: sampling, savers: savers), sampling);
    }

    [Fact]
    public void ACachedLinearSavesItsInputLessItsSampledRowsAndSelection()
    {
        var sampling = new WtaCrsConfig(SampledSite.Fc1 | SampledSite.Av, 0.3, SamplingPolicy.Cached);
        var sites = Sites(sampling, MemorySavers.None);

        int n = Batch * Config.Tokens, d = Config.Dim, k = sampling.Budget(n, SampledSite.Fc1);
        var fc1 = Assert.Single(sites, s => s.Site == SampledSite.Fc1);
        // Per block: the input [N, D] against k scaled rows [k, D] + k indices + k scales + the winner count.
        Assert.Equal(Config.Depth * (long)n * d * 4, fc1.DenseBytes);
        Assert.Equal(Config.Depth * ((long)k * d * 4 + k * 4 + k * 4 + 4), fc1.SampledBytes);
        Assert.StartsWith("keeps k of N rows", fc1.Reason);
        var av = Assert.Single(sites, s => s.Site == SampledSite.Av);
        Assert.Equal(0, av.Saved);
    }

    [Fact]
    public void UnderLayerNormFromItsOutputSamplingFc1SavesNothingAndSaysWhy()
    {
        var sampling = new WtaCrsConfig(SampledSite.Fc1 | SampledSite.Proj, 0.3, SamplingPolicy.Cached);
        var sites = Sites(sampling, new MemorySavers { LayerNormFromOutput = true });

        var fc1 = Assert.Single(sites, s => s.Site == SampledSite.Fc1);
        Assert.Equal(0, fc1.DenseBytes);
        Assert.True(fc1.Saved < 0, $"fc1 saved {fc1.Saved} B"); // its selection is all it adds
        Assert.Contains("norm2's backward", fc1.Reason);
        Assert.True(Assert.Single(sites, s => s.Site == SampledSite.Proj).Saved > 0); // proj's input is no LayerNorm output
    }
}
