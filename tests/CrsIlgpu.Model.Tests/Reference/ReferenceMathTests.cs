namespace CrsIlgpu.Model.Tests.Reference;

public class ReferenceMathTests
{
    [Theory]
    [InlineData(0.5, 0.5204998778130465)]
    [InlineData(1.0, 0.8427007929497149)]
    [InlineData(2.0, 0.9953222650189527)]
    [InlineData(0.1, 0.1124629160182849)] // Python math.erf
    [InlineData(2.9, 0.9999589021219005)] // just below the series/continued-fraction switch
    [InlineData(3.5, 0.9999992569016276)]
    [InlineData(0.0, 0.0)]
    public void ErfMatchesTables(double x, double expected)
    {
        Assert.Equal(expected, ReferenceMath.Erf(x), 1e-13);
        Assert.Equal(-expected, ReferenceMath.Erf(-x), 1e-13);
    }

    [Theory]
    [InlineData(5.0, 1.5374597944280349e-12)]
    [InlineData(3.0, 2.2090496998585438e-05)] // Python math.erfc, at the switch
    [InlineData(10.0, 2.088487583762545e-45)]
    public void ErfcIsRelativelyAccurateInTheTail(double x, double expected)
    {
        Assert.True(Math.Abs(ReferenceMath.Erfc(x) - expected) <= 1e-13 * expected, $"erfc({x}) = {ReferenceMath.Erfc(x):R}, expected {expected:R}");
    }

    [Fact]
    public void ErfIsContinuousAcrossTheSwitch()
    {
        var below = ReferenceMath.Erf(Math.BitDecrement(3.0));
        var at = ReferenceMath.Erf(3.0);
        Assert.Equal(below, at, 1e-15);
        Assert.Equal(1.0, ReferenceMath.Erf(30.0));
        Assert.Equal(2.0, ReferenceMath.Erfc(-30.0));
    }
}
