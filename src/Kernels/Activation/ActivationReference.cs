namespace CrsIlgpu.Kernels.Activation;

/// <summary>
/// Plain double-precision GELU, exact erf form gelu(x) = 0.5·x·(1 + erf(x/√2)) (PyTorch nn.GELU()
/// default, timm ViT): the ground truth of the tests. .NET has no Math.Erf, so erf/erfc are
/// computed here to ~1e-15 relative: a positive-term series for z &lt; 2.5 and a continued
/// fraction for erfc beyond.
/// </summary>
public static class ActivationReference
{
    private const double SeriesLimit = 2.5;
    private static readonly double TwoOverSqrtPi = 2.0 / Math.Sqrt(Math.PI);
    private static readonly double InvSqrtPi = 1.0 / Math.Sqrt(Math.PI);

    public static void GeluForward(ReadOnlySpan<float> x, Span<float> y)
    {
        for (var i = 0; i < y.Length; i++)
            y[i] = (float)Gelu(x[i]);
    }

    public static void GeluBackward(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dx)
    {
        for (var i = 0; i < dx.Length; i++)
            dx[i] = (float)(dy[i] * GeluDerivative(x[i]));
    }

    public static double Gelu(double x) => x * NormalCdf(x);

    /// <summary>gelu'(x) = Φ(x) + x·φ(x).</summary>
    public static double GeluDerivative(double x) => NormalCdf(x) + x * Math.Exp(-0.5 * x * x) / Math.Sqrt(2 * Math.PI);

    /// <summary>Φ(x) = 0.5·(1 + erf(x/√2)), through erfc on the far side so the tails keep their digits.</summary>
    public static double NormalCdf(double x)
    {
        var z = x / Math.Sqrt(2.0);
        return z >= 0 ? 1 - 0.5 * Erfc(z) : 0.5 * Erfc(-z);
    }

    public static double Erf(double z)
    {
        if (z < 0)
            return -Erf(-z);
        return z < SeriesLimit ? ErfSeries(z) : 1 - ErfcContinuedFraction(z);
    }

    public static double Erfc(double z)
    {
        if (z < 0)
            return 2 - Erfc(-z);
        return z < SeriesLimit ? 1 - ErfSeries(z) : ErfcContinuedFraction(z);
    }

    // erf(z) = 2/√π · exp(−z²) · Σ_n (2z²)^n · z / (1·3·…·(2n+1)): every term positive, no cancellation.
    private static double ErfSeries(double z)
    {
        double term = z, sum = z;
        for (var n = 1; n < 200 && term > 1e-17 * sum; n++)
        {
            term *= 2 * z * z / (2 * n + 1);
            sum += term;
        }
        return TwoOverSqrtPi * Math.Exp(-z * z) * sum;
    }

    // erfc(z) = exp(−z²)/√π / (z + ½/(z + 1/(z + (3/2)/(z + …)))), evaluated from the tail; converges fast for z ≥ 2.5.
    private static double ErfcContinuedFraction(double z)
    {
        var f = z;
        for (var k = 200; k >= 1; k--)
            f = z + k * 0.5 / f;
        return Math.Exp(-z * z) * InvSqrtPi / f;
    }
}
