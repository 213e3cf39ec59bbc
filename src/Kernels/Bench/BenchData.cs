using CrsIlgpu.Kernels.Runtime.Memory;

namespace CrsIlgpu.Kernels.Bench;

/// <summary>Seeded inputs for benches.</summary>
public static class BenchData
{
    public static float[] Uniform(int count, int seed, float scale = 1f)
    {
        var random = new Random(seed);
        var data = new float[count];
        for (var i = 0; i < count; i++)
            data[i] = (float)(random.NextDouble() * 2 - 1) * scale;
        return data;
    }

    public static Tensor Tensor(DeviceContext device, float[] data, params int[] shape)
    {
        var t = new Tensor(device.Pool, MemoryTag.Workspace, "bench", shape);
        t.CopyFrom(data);
        return t;
    }
}
