using CrsIlgpu.Kernels.Embed;

namespace CrsIlgpu.Kernels.Tests.Embed;

public class ClsGatherScatterTests : DeviceTests
{
    [Theory]
    [KernelPath]
    [MemberData(nameof(Devices))]
    public void GatherTakesTokenZeroAndScatterPutsItBack(string deviceName)
    {
        var device = Device(deviceName);
        const int batch = 3, tokens = 5, dim = 7;
        var x = TestData.Uniform(batch * tokens * dim, 21);
        var expected = new float[batch * dim];
        EmbedReference.ClsGather(x, batch, tokens, dim, expected);
        Assert.Equal(x[2 * tokens * dim + 4], expected[2 * dim + 4]); // b = 2, d = 4 by hand

        using var tx = TestData.Tensor(device, x, batch, tokens, dim);
        using var ty = TestData.Tensor(device, new float[batch * dim], batch, dim);
        EmbedOp.ClsGather(device, tx, ty);
        device.Synchronize();
        Assert.Equal(expected, ty.ToArray()); // a copy: exact

        var scattered = new float[x.Length];
        EmbedReference.ClsScatter(expected, batch, tokens, dim, scattered);
        using var dx = TestData.Tensor(device, Enumerable.Repeat(1000f, x.Length).ToArray(), batch, tokens, dim);
        EmbedOp.ClsScatter(device, ty, dx);
        device.Synchronize();
        Assert.Equal(scattered, dx.ToArray()); // overwritten: the 1000s are gone
        Assert.Equal(batch * dim, scattered.Count(v => v != 0f));
    }

    [Fact]
    [KernelPath]
    public void WrongOutputShapeNamesTheOp()
    {
        var device = TestAccelerators.Kernels;
        using var x = TestData.Tensor(device, new float[24], 2, 3, 4);
        using var y = TestData.Tensor(device, new float[6], 2, 3);
        Rejects.With(() => EmbedOp.ClsGather(device, x, y), "cls_gather", "[2, 4]");
    }
}
