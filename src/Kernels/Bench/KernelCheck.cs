namespace CrsIlgpu.Kernels.Bench;

/// <summary>
/// The device's output against the reference's at one shape: the largest difference, divided by
/// max(1, largest |reference value|) so one tolerance serves small and large outputs alike.
/// </summary>
public sealed record KernelCheck(double MaxError, double Tolerance, int Elements)
{
    public bool Passed => MaxError <= Tolerance;

    public static KernelCheck Compare(ReadOnlySpan<float> actual, ReadOnlySpan<float> expected, double tolerance)
    {
        if (actual.Length != expected.Length)
            throw new ArgumentException($"output has {actual.Length} values, the reference {expected.Length}");
        double scale = 1, diff = 0;
        for (var i = 0; i < expected.Length; i++)
            scale = Math.Max(scale, Math.Abs((double)expected[i]));
        for (var i = 0; i < expected.Length; i++)
        {
            var d = Math.Abs((double)actual[i] - expected[i]);
            // NaN on either side must fail the check, and NaN comparisons are always false.
            diff = double.IsNaN(d) ? double.PositiveInfinity : Math.Max(diff, d);
        }
        return new KernelCheck(diff / scale, tolerance, expected.Length);
    }
}
