using CrsIlgpu.Kernels.Runtime;
using CrsIlgpu.Kernels.Runtime.Memory;

namespace CrsIlgpu.Kernels.Tests;

/// <summary>Seeded inputs and tensor helpers for op tests.</summary>
public static class TestData
{
    public static float[] Uniform(int count, int seed, float scale = 1f)
    {
        var random = new Random(seed);
        var data = new float[count];
        for (var i = 0; i < count; i++)
            data[i] = (float)(random.NextDouble() * 2 - 1) * scale;
        return data;
    }

    /// <summary>A tensor on <paramref name="device"/> holding <paramref name="data"/>.</summary>
    public static Tensor Tensor(DeviceContext device, float[] data, params int[] shape)
    {
        var t = new Tensor(device.Pool, MemoryTag.Workspace, "test", shape);
        t.CopyFrom(data);
        return t;
    }

    public static double MaxAbsDiff(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        Assert.Equal(a.Length, b.Length);
        double max = 0;
        for (var i = 0; i < a.Length; i++)
            max = Math.Max(max, Math.Abs((double)a[i] - b[i]));
        return max;
    }
}
