namespace CrsIlgpu.Model.Tests;

public class ProbeComparisonTests
{
    [Fact]
    public void RelativeErrorAndCosineOfKnownVectors()
    {
        var exact = new float[] { 3, 4, 0 };
        var c = ProbeComparison.Of(new float[] { 3, 4, 0 }, exact);
        Assert.Equal((0.0, 1.0), (c.RelativeError, c.Cosine));

        c = ProbeComparison.Of(new float[] { 0, 0, 5 }, exact); // orthogonal, same length
        Assert.Equal(Math.Sqrt(2), c.RelativeError, 12);
        Assert.Equal(0.0, c.Cosine, 12);

        c = ProbeComparison.Of(new float[] { 6, 8, 0 }, exact); // twice G: right direction, error ‖G‖
        Assert.Equal((1.0, 1.0, 5.0, 10.0), (c.RelativeError, c.Cosine, c.ExactNorm, c.SampledNorm));

        c = ProbeComparison.Of(new float[] { 1, 1, 1 }, new float[3]);
        Assert.True(double.IsNaN(c.RelativeError) && double.IsNaN(c.Cosine)); // no direction to compare with
        Assert.Throws<ArgumentException>(() => ProbeComparison.Of(new float[2], exact));
    }
}
