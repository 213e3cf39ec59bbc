namespace CrsIlgpu.Model.Tests.Reference;

/// <summary>
/// Central finite differences against an analytic gradient, in double.
/// Tolerance: |fd − analytic| ≤ 1e-6 · max(1e-3, |analytic|). With h = 1e-5 the central difference's
/// truncation error is h²/6·|f'''| ≈ 2e-11 for O(1) third derivatives and its rounding error is
/// about ε·|f|/h ≈ 2e-11·|f|, both well below the 1e-9 floor; a wrong backward (missing term,
/// transposed index, wrong scale) is off by far more than 1e-6 relative.
/// </summary>
internal static class GradientCheck
{
    public const double Step = 1e-5;
    public const double RelativeTolerance = 1e-6;
    public const double Floor = 1e-3;

    public static double[] RandomArray(Random random, int length, double scale = 1.0, double offset = 0.0)
    {
        var values = new double[length];
        for (var i = 0; i < length; i++)
            values[i] = offset + scale * (2.0 * random.NextDouble() - 1.0);
        return values;
    }

    public static double Dot(double[] a, double[] b)
    {
        Assert.Equal(a.Length, b.Length);
        var sum = 0.0;
        for (var i = 0; i < a.Length; i++)
            sum += a[i] * b[i];
        return sum;
    }

    /// <summary>The worst |fd − analytic| / max(floor, |analytic|) over <paramref name="indices"/> (all when null), perturbing values in place.</summary>
    public static (double Error, int Index) WorstError(Func<double> loss, double[] values, double[] analytic, IEnumerable<int>? indices = null)
    {
        Assert.Equal(values.Length, analytic.Length);
        var worst = (Error: 0.0, Index: -1);
        foreach (var i in indices ?? Enumerable.Range(0, values.Length))
        {
            var saved = values[i];
            values[i] = saved + Step;
            var plus = loss();
            values[i] = saved - Step;
            var minus = loss();
            values[i] = saved;
            var numeric = (plus - minus) / (2 * Step);
            var error = Math.Abs(numeric - analytic[i]) / Math.Max(Floor, Math.Abs(analytic[i]));
            if (error > worst.Error || worst.Index < 0)
                worst = (error, i);
        }
        return worst;
    }

    public static void AssertMatches(string what, Func<double> loss, double[] values, double[] analytic, IEnumerable<int>? indices = null)
    {
        var (error, index) = WorstError(loss, values, analytic, indices);
        Assert.True(error <= RelativeTolerance,
            $"{what}: finite difference and analytic gradient differ by {error:E2} (relative) at index {index}, analytic {analytic[index]:E6}");
    }

    /// <summary><see cref="AssertMatches"/> for a layer's input, weight and bias gradients ("<paramref name="layer"/> input", …).</summary>
    public static void AssertLayerMatches(string layer, Func<double> loss, double[] input, double[] weight, double[] bias,
        ReferenceLayerGradients gradients, string inputName = "input")
    {
        AssertMatches($"{layer} {inputName}", loss, input, gradients.Input);
        AssertMatches($"{layer} weight", loss, weight, gradients.Weight);
        AssertMatches($"{layer} bias", loss, bias, gradients.Bias);
    }
}
