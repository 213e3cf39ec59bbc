namespace CrsIlgpu.Tests.Shared;

/// <summary>
/// The one closeness assertion of the test projects: every element within abs + rel·|expected|
/// (or within a per-element tolerance where the error bound depends on the inputs), the failure
/// naming the worst element. Each caller states why its tolerance is what it is.
/// </summary>
public static class Closeness
{
    public static void AssertClose(ReadOnlySpan<double> expected, ReadOnlySpan<float> actual, double abs, double rel = 0, string what = "values") =>
        AssertClose(expected, ToDoubles(actual), abs, rel, what);

    public static void AssertClose(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, double abs, double rel = 0, string what = "values") =>
        AssertClose(ToDoubles(expected), ToDoubles(actual), abs, rel, what);

    public static void AssertClose(ReadOnlySpan<double> expected, ReadOnlySpan<double> actual, double abs, double rel = 0, string what = "values")
    {
        var e = expected.ToArray();
        AssertClose(expected, actual, i => abs + rel * Math.Abs(e[i]), what);
    }

    /// <summary>|actual_i − expected_i| ≤ tolerance(i) for every i (NaN fails).</summary>
    public static void AssertClose(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, Func<int, double> tolerance, string what = "values") =>
        AssertClose(ToDoubles(expected), ToDoubles(actual), tolerance, what);

    public static void AssertClose(ReadOnlySpan<double> expected, ReadOnlySpan<double> actual, Func<int, double> tolerance, string what = "values")
    {
        Assert.Equal(expected.Length, actual.Length);
        int failures = 0, worstAt = -1;
        double worstExcess = double.NegativeInfinity;
        for (var i = 0; i < expected.Length; i++)
        {
            var diff = Math.Abs(expected[i] - actual[i]);
            var limit = tolerance(i);
            if (diff <= limit)
                continue;
            failures++;
            var excess = double.IsNaN(diff) ? double.PositiveInfinity : diff / Math.Max(limit, double.Epsilon);
            if (excess > worstExcess)
                (worstExcess, worstAt) = (excess, i);
        }
        if (failures > 0)
        {
            var i = worstAt;
            Assert.Fail($"{what}: {failures} of {expected.Length} elements off; worst [{i}]: expected {expected[i]:R}, got {actual[i]:R} " +
                $"(|Δ| {Math.Abs(expected[i] - actual[i]):E2} > tolerance {tolerance(i):E2})");
        }
    }

    /// <summary>max_i |a_i − b_i| (for a message or a measured error, not as an assertion).</summary>
    public static double MaxAbsDiff(ReadOnlySpan<float> a, ReadOnlySpan<float> b) => MaxAbsDiff(ToDoubles(a), ToDoubles(b));

    public static double MaxAbsDiff(ReadOnlySpan<double> a, ReadOnlySpan<float> b) => MaxAbsDiff(a, ToDoubles(b));

    public static double MaxAbsDiff(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        Assert.Equal(a.Length, b.Length);
        double max = 0;
        for (var i = 0; i < a.Length; i++)
            max = Math.Max(max, Math.Abs(a[i] - b[i]));
        return max;
    }

    private static double[] ToDoubles(ReadOnlySpan<float> values)
    {
        var result = new double[values.Length];
        for (var i = 0; i < values.Length; i++)
            result[i] = values[i];
        return result;
    }
}
