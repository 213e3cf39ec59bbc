namespace CrsIlgpu.Model.Tests;

public class SamplingLayerIdsTests
{
    private static readonly SampledSite[] Sites = [SampledSite.Qkv, SampledSite.Proj, SampledSite.Qk, SampledSite.Av, SampledSite.Fc1, SampledSite.Fc2];

    [Fact]
    public void EverySiteOfEveryBlockHasItsOwnId()
    {
        var ids = Enumerable.Range(0, 24).SelectMany(b => Sites.Select(s => SamplingLayerIds.For(b, s))).ToList();
        Assert.Equal(ids.Count, ids.Distinct().Count());
        Assert.Equal(Enumerable.Range(0, 24 * 6).Select(i => (uint)i), ids.Order());
    }

    [Theory]
    [InlineData(0, SampledSite.Qkv, 0u)]
    [InlineData(0, SampledSite.Fc2, 5u)]
    [InlineData(2, SampledSite.Av, 15u)]
    [InlineData(11, SampledSite.Fc1, 70u)]
    public void IdsFollowTheDocumentedScheme(int block, SampledSite site, uint expected) =>
        Assert.Equal(expected, SamplingLayerIds.For(block, site)); // changing them changes every sampled run's draws

    [Fact]
    public void ACombinationOfSitesIsNotOneSite() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => SamplingLayerIds.For(0, SampledSite.Fc1 | SampledSite.Fc2));
}
