using CrsIlgpu.Kernels.Gemm;

namespace CrsIlgpu.Kernels.Tests.Gemm;

/// <summary>Seeded inputs and the comparison used by all GEMM tests.</summary>
internal static class GemmTestData
{
    public static float[] Random(long length, int seed, float scale = 1f)
    {
        var rng = new Random(seed);
        var data = new float[length];
        for (long i = 0; i < length; i++)
            data[i] = (float)(rng.NextDouble() * 2 - 1) * scale;
        return data;
    }

    public static (float[] A, float[] B, float[] C) Inputs(GemmProblem p, int seed)
    {
        float[] a = Random((p.Batch - 1) * p.StrideA + p.ElementsA, seed);
        float[] b = Random((p.Batch - 1) * p.StrideB + p.ElementsB, seed + 1);
        float[] c = Random((p.Batch - 1) * p.StrideC + p.ElementsC, seed + 2);
        return (a, b, c);
    }

    /// <summary>
    /// fp32 accumulation of K products vs a double reference: each product |a·b| ≤ max|a|·max|b|,
    /// and the rounding error of a K-term fp32 sum is a few ulps times the sum of magnitudes, so
    /// 1e-5·(1 + K·max|a|·max|b|)·(|alpha| + |beta|·max|c0|) bounds it with margin (ulp ≈ 6e-8).
    /// </summary>
    public static void AssertClose(GemmProblem p, float[] a, float[] b, float[] c0, float[] expected, float[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        double maxA = MaxAbs(a), maxB = MaxAbs(b), maxC = MaxAbs(c0);
        double scale = Math.Abs(p.Alpha) + (p.Beta != 0f ? Math.Abs(p.Beta) * maxC : 0);
        double tol = 1e-5 * (1 + p.K * maxA * maxB) * Math.Max(1, scale);
        for (int i = 0; i < expected.Length; i++)
        {
            double err = Math.Abs((double)expected[i] - actual[i]);
            // NaN fails the comparison and therefore the test.
            if (!(err <= tol))
            {
                Assert.Fail(
                    $"{p.OpName} M={p.M} N={p.N} K={p.K} batch={p.Batch}: element {i} expected {expected[i]} got {actual[i]} " +
                    $"(|err| {err:g3} > tol {tol:g3})");
            }
        }
    }

    /// <summary>
    /// A TF32 GEMM result against two references. (1) The TF32 reference (inputs rounded as the kernel
    /// rounds them, products in double): only the fp32 accumulation differs, so <see cref="AssertClose"/>'s
    /// fp32 tolerance applies — a missing or wrong rounding (truncation instead of round-to-nearest-away)
    /// fails it. (2) The fp32 reference: rounding each input to a 10-bit mantissa changes it by at most
    /// u = 2^-11 relative, so each product by at most (1+u)² − 1 = 2u + u², and a K-term sum by
    /// (2u + u²)·K·max|a|·max|b|; that, times |alpha|, plus the fp32 tolerance bounds the difference.
    /// </summary>
    public static void AssertCloseTf32(GemmProblem p, float[] a, float[] b, float[] c0, float[] actual)
    {
        var tf32 = (float[])c0.Clone();
        GemmReference.RunTf32(p, a, b, tf32);
        AssertClose(p, a, b, c0, tf32, actual);

        var fp32 = (float[])c0.Clone();
        GemmReference.Run(p, a, b, fp32);
        double u = Tf32.UnitRoundoff;
        double tf32Tol = (2 * u + u * u) * p.K * MaxAbs(a) * MaxAbs(b) * Math.Abs(p.Alpha);
        for (int i = 0; i < fp32.Length; i++)
        {
            double err = Math.Abs((double)fp32[i] - actual[i]);
            double tol = tf32Tol + FpTolerance(p, a, b, c0);
            if (!(err <= tol))
            {
                Assert.Fail(
                    $"{p.OpName} tf32 M={p.M} N={p.N} K={p.K} batch={p.Batch}: element {i} fp32 reference {fp32[i]} got {actual[i]} " +
                    $"(|err| {err:g3} > TF32 bound {tol:g3})");
            }
        }
    }

    private static double FpTolerance(GemmProblem p, float[] a, float[] b, float[] c0)
    {
        double scale = Math.Abs(p.Alpha) + (p.Beta != 0f ? Math.Abs(p.Beta) * MaxAbs(c0) : 0);
        return 1e-5 * (1 + p.K * MaxAbs(a) * MaxAbs(b)) * Math.Max(1, scale);
    }

    private static double MaxAbs(float[] x)
    {
        double m = 0;
        foreach (float v in x)
            m = Math.Max(m, Math.Abs(v));
        return m;
    }
}
