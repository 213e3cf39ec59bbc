namespace CrsIlgpu.Model.Reference;

/// <summary>
/// erf and erfc in double (.NET has none). Below 3 a series with only positive terms
/// (no cancellation); from 3 up the continued fraction for erfc, which converges fast there.
/// Both are accurate to about 1e-15 relative.
/// </summary>
public static class ReferenceMath
{
    private const double SeriesLimit = 3.0;
    private static readonly double TwoOverSqrtPi = 2.0 / Math.Sqrt(Math.PI);

    public static double Erf(double x)
    {
        if (double.IsNaN(x))
            return double.NaN;
        if (x < 0)
            return -Erf(-x);
        return x < SeriesLimit ? ErfSeries(x) : 1.0 - ErfcContinuedFraction(x);
    }

    public static double Erfc(double x)
    {
        if (double.IsNaN(x))
            return double.NaN;
        // Below the limit erfc ≥ 2.2e-5, so 1 − erf loses at most ~5 digits only near the limit.
        return x < SeriesLimit ? 1.0 - Erf(x) : ErfcContinuedFraction(x);
    }

    // erf(x) = 2/√π · e^(−x²) · Σ_n 2ⁿ x^(2n+1) / (1·3·…·(2n+1)); every term is positive.
    private static double ErfSeries(double x)
    {
        var x2 = x * x;
        var term = x;
        var sum = x;
        for (var n = 1; n < 1000 && term > 1e-17 * sum; n++)
        {
            term *= 2.0 * x2 / (2 * n + 1);
            sum += term;
        }
        return TwoOverSqrtPi * Math.Exp(-x2) * sum;
    }

    // erfc(x) = e^(−x²)/√π · 1/(x + (1/2)/(x + (2/2)/(x + (3/2)/(x + …)))), evaluated bottom-up.
    private static double ErfcContinuedFraction(double x)
    {
        if (x > 27)
            return 0.0; // below the smallest double
        var f = x;
        for (var k = 120; k >= 1; k--)
            f = x + k / 2.0 / f;
        return Math.Exp(-x * x) / (Math.Sqrt(Math.PI) * f);
    }
}
