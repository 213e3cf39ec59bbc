using CrsIlgpu.Kernels.Bench;
using CrsIlgpu.Kernels.Runtime;

namespace CrsIlgpu.Kernels.Tests;

/// <summary>Seeded inputs and tensor helpers for op tests (the same generator the benches use).</summary>
public static class TestData
{
    public static float[] Uniform(int count, int seed, float scale = 1f) => BenchData.Uniform(count, seed, scale);

    /// <summary>A tensor on <paramref name="device"/> holding <paramref name="data"/>.</summary>
    public static Tensor Tensor(DeviceContext device, float[] data, params int[] shape) => BenchData.Tensor(device, data, shape);

    public static double MaxAbsDiff(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        Assert.Equal(a.Length, b.Length);
        double max = 0;
        for (var i = 0; i < a.Length; i++)
            max = Math.Max(max, Math.Abs((double)a[i] - b[i]));
        return max;
    }
}
