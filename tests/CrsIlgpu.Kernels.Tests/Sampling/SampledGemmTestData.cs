using CrsIlgpu.Kernels.Loss;
using CrsIlgpu.Kernels.Runtime.Memory;

namespace CrsIlgpu.Kernels.Tests.Sampling;

/// <summary>Seeded sampled-GEMM inputs and the rounding-error bound the results are checked against.</summary>
public static class SampledGemmTestData
{
    /// <summary>k indices drawn with replacement from [0, rows) (duplicates when k is large enough).</summary>
    public static int[] Indices(int count, int rows, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count).Select(_ => random.Next(rows)).ToArray();
    }

    /// <summary>Scales in [0.5, 3): the 1/(k·p) factors of an estimator are positive and of this order.</summary>
    public static float[] Scales(int count, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count).Select(_ => (float)(0.5 + 2.5 * random.NextDouble())).ToArray();
    }

    public static IntTensor IndexTensor(DeviceContext device, int[] indices)
    {
        var t = new IntTensor(device.Pool, indices.Length, MemoryTag.Workspace, "test.indices");
        t.CopyFrom(indices);
        return t;
    }

    /// <summary>
    /// Asserts |actual − expected| ≤ (K + 2)·2⁻²⁴·Σ_t |scale_t·a·b| + 1e-30 element-wise: the worst-case
    /// fp32 error of a K-term sum in any order (γ_K) plus the rounding of the scale product, with
    /// Σ|terms| from the reference run on absolute values. Tight enough that one missing, doubled
    /// or unscaled term (size ≥ 0.5·|a·b|) fails.
    /// </summary>
    public static void AssertClose(SampledGemmProblem p, float[] a, float[] b, int[] indices, float[] scales, float[] expected, float[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        var absSum = new float[expected.Length];
        SampledGemmReference.Run(p, Abs(a), Abs(b), indices, Abs(scales), absSum);
        double unit = (p.K + 2) * Math.Pow(2, -24);
        for (var i = 0; i < expected.Length; i++)
        {
            double tolerance = unit * absSum[i] * 1.0001 + 1e-30;
            double error = Math.Abs((double)actual[i] - expected[i]);
            Assert.True(error <= tolerance,
                $"element {i}: expected {expected[i]}, got {actual[i]} (error {error:E2} > bound {tolerance:E2}; {p})");
        }
    }

    private static float[] Abs(float[] x) => x.Select(Math.Abs).ToArray();
}
