using ILGPU;
using ILGPU.Runtime;

namespace CrsIlgpu.Kernels.Tests.Gemm;

/// <summary>Seeded inputs, the layout × shape theory data, the run on the test accelerator and the comparison used by all GEMM tests.</summary>
internal static class GemmTestData
{
    /// <summary>Every layout crossed with every shape given.</summary>
    public static TheoryData<GemmLayout, int, int, int> EveryLayout(params (int M, int N, int K)[] shapes)
    {
        var data = new TheoryData<GemmLayout, int, int, int>();
        foreach (GemmLayout layout in Enum.GetValues<GemmLayout>())
            foreach (var (m, n, k) in shapes)
                data.Add(layout, m, n, k);
        return data;
    }

    /// <summary>C after one launch on the shared test accelerator, the inputs copied there first.</summary>
    public static float[] RunOnTestAccelerator(
        GemmProblem p, float[] a, float[] b, float[] c, Action<GemmProblem, ArrayView<float>, ArrayView<float>, ArrayView<float>> launch)
    {
        Accelerator accelerator = TestAccelerators.Accelerator;
        using var da = accelerator.Allocate1D(a);
        using var db = accelerator.Allocate1D(b);
        using var dc = accelerator.Allocate1D(c);
        launch(p, da.View, db.View, dc.View);
        accelerator.Synchronize();
        return dc.GetAsArray1D();
    }

    /// <summary>Seeded inputs, one launch on the test accelerator, the fp32 bound of <see cref="AssertClose"/> against the reference.</summary>
    public static void CheckFp32(GemmProblem p, int seed, Action<GemmProblem, ArrayView<float>, ArrayView<float>, ArrayView<float>> launch)
    {
        var (a, b, c) = Inputs(p, seed);
        float[] expected = (float[])c.Clone();
        GemmReference.Run(p, a, b, expected);
        AssertClose(p, a, b, c, expected, RunOnTestAccelerator(p, a, b, c, launch));
    }

    /// <summary>
    /// A batched alpha/beta problem with every dimension a multiple of 4 and dense batches, so A, B and C all
    /// take the 128-bit path of the large kernels (asserted), C read back for beta; two column tiles of 128.
    /// </summary>
    public static GemmProblem AlignedBatchedAlphaBeta(GemmLayout layout)
    {
        var p = GemmProblem.Create(layout, 132, 136, 20, batch: 3, alpha: 1.5f, beta: -0.75f);
        Assert.Equal(GemmLargeKernels.VectorA | GemmLargeKernels.VectorB | GemmLargeKernels.VectorC, GemmLargeKernels.VectorFlags(p, 0, 0, 0));
        return p;
    }

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
        double tol = FpTolerance(p, a, b, c0);
        Closeness.AssertClose(expected, actual, _ => tol, $"{p.OpName} M={p.M} N={p.N} K={p.K} batch={p.Batch}");
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
        double tol = (2 * u + u * u) * p.K * MaxAbs(a) * MaxAbs(b) * Math.Abs(p.Alpha) + FpTolerance(p, a, b, c0);
        Closeness.AssertClose(fp32, actual, _ => tol, $"{p.OpName} tf32 M={p.M} N={p.N} K={p.K} batch={p.Batch} against the fp32 reference (TF32 bound)");
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
