using CrsIlgpu.Kernels.Activation;

namespace CrsIlgpu.Kernels.Tests.Activation;

public class ActivationReferenceTests
{
    // Tabulated values (Abramowitz & Stegun table 7.1, scipy.special.erf/erfc to 16 digits).
    [Theory]
    [InlineData(0.1, 0.1124629160182849)]
    [InlineData(0.5, 0.5204998778130465)]
    [InlineData(1.0, 0.8427007929497149)]
    [InlineData(2.0, 0.9953222650189527)]
    [InlineData(2.49, 0.9995707121322661)]
    [InlineData(-1.5, -0.9661051464753108)]
    public void ErfMatchesTable(double z, double expected) =>
        Assert.Equal(expected, ActivationReference.Erf(z), 1e-14);

    [Theory]
    [InlineData(2.5, 4.069520174449590e-04)]
    [InlineData(3.0, 2.209049699858544e-05)]
    [InlineData(5.0, 1.537459794428035e-12)]
    [InlineData(10.0, 2.088487583762545e-45)]
    public void ErfcTailIsRelativelyAccurate(double z, double expected) =>
        Assert.True(Math.Abs(ActivationReference.Erfc(z) / expected - 1) < 1e-13, $"erfc({z}) = {ActivationReference.Erfc(z)}");

    [Fact]
    public void GeluIsTheErfFormNotTheTanhApproximation()
    {
        // torch.nn.GELU()(torch.tensor(1.0, dtype=torch.float64)) = 0.8413447460685429 (x·Φ(x)); the tanh form gives 0.8411919906.
        Assert.Equal(0.8413447460685429, ActivationReference.Gelu(1.0), 1e-15);
        Assert.Equal(-0.04550026389635842, ActivationReference.Gelu(-2.0), 1e-15);
    }

    [Fact]
    public void DerivativeMatchesCentralDifference()
    {
        for (var x = -6.0; x <= 6.0; x += 0.37)
        {
            const double h = 1e-5;
            var numeric = (ActivationReference.Gelu(x + h) - ActivationReference.Gelu(x - h)) / (2 * h);
            Assert.Equal(numeric, ActivationReference.GeluDerivative(x), 1e-9);
        }
    }

    /// <summary>
    /// The fp32 fit used by kernels and CPU backend, against the double reference on a dense grid.
    /// Bound: the NR fit is 1.2e-7 relative in erfc; fp32 rounding of x²/2 and of the Horner sum add
    /// ≈ (x²/2)·6e-8, so 2e-6 relative on |x| ≤ 6 with a 1e-30 floor (gelu underflows beyond).
    /// </summary>
    [Fact]
    public void Fp32GeluFitIsWithinItsStatedError()
    {
        double worstValue = 0, worstDerivative = 0;
        for (var i = -60000; i <= 60000; i++)
        {
            var x = i * 1e-4f;
            var expected = ActivationReference.Gelu(x);
            worstValue = Math.Max(worstValue, Math.Abs(GeluMath.Gelu(x) - expected) / (Math.Abs(expected) + 1e-30));
            // gelu' crosses zero near x = −0.75, so its error is relative to the size of its terms |Φ| + |x·φ|.
            var termScale = ActivationReference.NormalCdf(x) + Math.Abs(x * Math.Exp(-0.5 * x * x) / Math.Sqrt(2 * Math.PI));
            worstDerivative = Math.Max(worstDerivative, Math.Abs(GeluMath.GeluDerivative(x) - ActivationReference.GeluDerivative(x)) / (termScale + 1e-30));
        }
        Assert.True(worstValue < 2e-6, $"gelu max relative error {worstValue:E3}");
        Assert.True(worstDerivative < 2e-6, $"gelu' max relative error {worstDerivative:E3}");
    }
}
