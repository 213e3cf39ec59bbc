using CrsIlgpu.Kernels.Runtime.Memory;

namespace CrsIlgpu.Kernels.Tests.Sampling;

public class RowGatherOpTests : DeviceTests
{
    [Theory]
    [KernelPath]
    [MemberData(nameof(Devices))]
    public void GathersScaledRowsLikeTheReference(string deviceName)
    {
        var device = Device(deviceName);
        const int rows = 9, cols = 5;
        var x = TestData.Uniform(rows * cols, 3);
        int[] indices = [8, 0, 3, 3, 7];
        float[] scales = [1f, 2.5f, -1f, 0.25f, 3f];
        var expected = new float[indices.Length * cols];
        RowGatherReference.Gather(x, indices, scales, expected, rows, cols);
        Assert.Equal(2.5f * x[0 * cols + 4], expected[1 * cols + 4]); // row t = 1 is 2.5 · x[0], by hand

        using var tx = TestData.Tensor(device, x, rows, cols);
        using var ti = new IntTensor(device.Pool, indices.Length, MemoryTag.Workspace, "idx");
        ti.CopyFrom(indices);
        using var ts = TestData.Tensor(device, scales, scales.Length);
        using var ty = TestData.Tensor(device, new float[expected.Length], indices.Length, cols);
        RowGatherOp.Gather(device, tx, ti, ts, ty);
        device.Synchronize();
        Assert.Equal(expected, ty.ToArray()); // one fp32 multiply per element: exact
    }

    [Fact]
    public void HostIndicesOutOfRangeAreRejected()
    {
        var device = TestAccelerators.CpuBackend;
        using var tx = TestData.Tensor(device, new float[12], 4, 3);
        using var ti = new IntTensor(device.Pool, 2, MemoryTag.Workspace, "idx");
        ti.CopyFrom([1, 4]);
        using var ts = TestData.Tensor(device, [1f, 1f], 2);
        using var ty = TestData.Tensor(device, new float[6], 2, 3);
        var ex = Assert.Throws<ArgumentException>(() => RowGatherOp.Gather(device, tx, ti, ts, ty));
        Assert.Contains("row_gather_scaled", ex.Message);
    }
}
