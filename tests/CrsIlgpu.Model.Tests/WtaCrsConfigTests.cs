using CrsIlgpu.Kernels.Sampling;

namespace CrsIlgpu.Model.Tests;

/// <summary>The one rule turning ρ, sites, policy and seed into a configuration (every command uses it).</summary>
public class WtaCrsConfigTests
{
    [Theory]
    [InlineData(1.0, "paper")]
    [InlineData(0.3, "none")]
    [InlineData(1.0, "none")]
    public void DenseWhenTheRatioIsOneOrNoLayerIsSampled(double ratio, string sites) =>
        Assert.Null(WtaCrsConfig.Create(ratio, WtaCrsConfig.ParseSites(sites), SamplingPolicy.Cached, seed: 5));

    [Fact]
    public void ASampledConfigurationCarriesTheRunSeed()
    {
        var config = WtaCrsConfig.Create(0.3, WtaCrsConfig.PaperSites, SamplingPolicy.Deferred, seed: -1);
        Assert.NotNull(config);
        Assert.Equal(0.3, config.Ratio);
        Assert.Equal(SamplingPolicy.Deferred, config.Policy);
        Assert.Equal(WtaCrsConfig.PaperSites, config.Sites);
        Assert.Equal(uint.MaxValue, config.Seed); // --seed -1 maps to the same 32 bits in every command
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(-0.5)]
    [InlineData(1.5)]
    [InlineData(double.NaN)]
    public void ARatioOutsideTheUnitIntervalNamesTheOption(double ratio)
    {
        var error = Assert.Throws<CrsException>(() => WtaCrsConfig.Create(ratio, SampledSite.Fc1, SamplingPolicy.Cached, 0, "--compare-ratios"));
        Assert.StartsWith("--compare-ratios must be in (0, 1]", error.Message);
        // A configuration built by hand goes through the same check.
        Assert.Throws<CrsException>(() => new WtaCrsConfig(SampledSite.Fc1, ratio).Validate());
    }

    [Theory]
    [InlineData("cached", SamplingPolicy.Cached)]
    [InlineData("Deferred", SamplingPolicy.Deferred)]
    public void PoliciesParseInAnyCase(string text, SamplingPolicy expected) => Assert.Equal(expected, WtaCrsConfig.ParsePolicy(text));

    [Fact]
    public void AnUnknownPolicyIsAUserError() =>
        Assert.Contains("cached or deferred", Assert.Throws<CrsException>(() => WtaCrsConfig.ParsePolicy("eager")).Message);

    [Fact]
    public void TheEstimatorParsesTravelsAndIsLabelledAsABiasedBaseline()
    {
        Assert.Equal(WtaCrsEstimator.TopK, WtaCrsConfig.ParseEstimator(" TopK "));
        Assert.Equal(WtaCrsEstimator.WtaCrs, WtaCrsConfig.ParseEstimator("wtacrs"));
        Assert.Contains("wtacrs or topk", Assert.Throws<CrsException>(() => WtaCrsConfig.ParseEstimator("top-k")).Message);

        var topK = WtaCrsConfig.Create(0.3, WtaCrsConfig.SeedReportSites, SamplingPolicy.Deferred, seed: 2, estimator: WtaCrsEstimator.TopK)!;
        Assert.Equal(WtaCrsEstimator.TopK, topK.Estimator);
        Assert.StartsWith("topk (biased baseline) Deferred rho=0.3", WtaCrsConfig.Describe(topK));
        Assert.StartsWith("WTA-CRS Deferred rho=0.3", WtaCrsConfig.Describe(topK with { Estimator = WtaCrsEstimator.WtaCrs }));
        Assert.Equal(WtaCrsEstimator.WtaCrs, WtaCrsConfig.Create(0.3, WtaCrsConfig.PaperSites, SamplingPolicy.Cached, seed: 2)!.Estimator);
        Assert.Null(WtaCrsConfig.Create(1, WtaCrsConfig.PaperSites, SamplingPolicy.Cached, seed: 2, estimator: WtaCrsEstimator.TopK)); // dense has no estimator
    }

    /// <summary>--crs-layers fc1:0.5,fc2,proj:0.2 — per-site keep ratios over --ratio, in budgets and descriptions.</summary>
    [Fact]
    public void PerSiteRatiosOverrideTheRunRatio()
    {
        const string layers = "fc1:0.5, fc2 ,proj:0.2";
        Assert.Equal(SampledSite.Fc1 | SampledSite.Fc2 | SampledSite.Proj, WtaCrsConfig.ParseSites(layers));
        var config = WtaCrsConfig.Create(0.3, WtaCrsConfig.ParseSites(layers), SamplingPolicy.Deferred,
            seed: 1, siteRatios: WtaCrsConfig.ParseSiteRatios(layers))!;
        Assert.Equal(0.5, config.RatioFor(SampledSite.Fc1));
        Assert.Equal(0.3, config.RatioFor(SampledSite.Fc2));
        Assert.Equal(0.2, config.RatioFor(SampledSite.Proj));
        Assert.Equal(WtaCrsBudget.For(8320, 0.5), config.Budget(8320, SampledSite.Fc1));
        Assert.Equal(WtaCrsBudget.For(8320, 0.3), config.Budget(8320, SampledSite.Fc2));
        Assert.Equal(1664, config.Budget(8320, SampledSite.Proj));
        Assert.EndsWith("(proj rho=0.2, fc1 rho=0.5)", WtaCrsConfig.Describe(config));
        // --ratio 1 with a site below 1 samples that site; every site at 1 is dense.
        Assert.NotNull(WtaCrsConfig.Create(1, SampledSite.Fc1, SamplingPolicy.Cached, 0, siteRatios: WtaCrsConfig.ParseSiteRatios("fc1:0.3")));
        Assert.Null(WtaCrsConfig.Create(1, SampledSite.Fc1, SamplingPolicy.Cached, 0, siteRatios: WtaCrsConfig.ParseSiteRatios("fc1:1")));
    }

    [Theory]
    [InlineData("fc1:x", "'x' is not a keep ratio")]
    [InlineData("paper:0.3", "not a preset")]
    [InlineData("fc1:1.5", "--crs-layers fc1 must be in (0, 1]")]
    [InlineData("qk:0.3,av:0.5", "qk and av share one selection")]
    public void BadPerSiteRatiosAreUserErrors(string layers, string message)
    {
        var ex = Assert.Throws<CrsException>(() =>
            WtaCrsConfig.Create(0.3, WtaCrsConfig.ParseSites(layers), SamplingPolicy.Deferred, 0, siteRatios: WtaCrsConfig.ParseSiteRatios(layers)));
        Assert.Contains(message, ex.Message);
    }
}
