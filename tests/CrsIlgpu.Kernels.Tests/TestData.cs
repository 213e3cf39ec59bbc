using CrsIlgpu.Kernels.Bench;

namespace CrsIlgpu.Kernels.Tests;

/// <summary>Seeded inputs and tensor helpers for op tests (the same generator the benches use).</summary>
public static class TestData
{
    public static float[] Uniform(int count, int seed, float scale = 1f) => BenchData.Uniform(count, seed, scale);

    /// <summary>A tensor on <paramref name="device"/> holding <paramref name="data"/>.</summary>
    public static Tensor Tensor(DeviceContext device, float[] data, params int[] shape) => BenchData.Tensor(device, data, shape);
}
