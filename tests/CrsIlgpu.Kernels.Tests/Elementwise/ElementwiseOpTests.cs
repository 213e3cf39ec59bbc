using CrsIlgpu.Kernels.Elementwise;

namespace CrsIlgpu.Kernels.Tests.Elementwise;

public class ElementwiseOpTests : DeviceTests
{
    [Theory]
    [KernelPath]
    [MemberData(nameof(Devices))]
    public void AddMatchesReferenceExactly(string deviceName)
    {
        var device = Device(deviceName);
        var a = TestData.Uniform(3 * 37, 1);
        var b = TestData.Uniform(3 * 37, 2);
        var expected = new float[a.Length];
        ElementwiseReference.Add(a, b, expected);

        using var ta = TestData.Tensor(device, a, 3, 37);
        using var tb = TestData.Tensor(device, b, 3, 37);
        using var ty = TestData.Tensor(device, new float[a.Length], 3, 37);
        ElementwiseOp.Add(device, ta, tb, ty);
        device.Synchronize();
        Assert.Equal(expected, ty.ToArray()); // one fp32 add: bit-identical everywhere
    }

    [Theory]
    [KernelPath]
    [MemberData(nameof(Devices))]
    public void AccumulateAddsIntoTarget(string deviceName)
    {
        var device = Device(deviceName);
        var x = TestData.Uniform(101, 3);
        var y = TestData.Uniform(101, 4);
        var expected = (float[])y.Clone();
        ElementwiseReference.Accumulate(x, expected);

        using var tx = TestData.Tensor(device, x, 101);
        using var ty = TestData.Tensor(device, y, 101);
        ElementwiseOp.Accumulate(device, tx, ty);
        device.Synchronize();
        Assert.Equal(expected, ty.ToArray());
    }

    [Fact]
    [KernelPath]
    public void ShapeMismatchNamesOpAndShapesBeforeLaunch()
    {
        var device = TestAccelerators.Kernels;
        using var a = TestData.Tensor(device, new float[6], 2, 3);
        using var b = TestData.Tensor(device, new float[6], 3, 2);
        using var y = TestData.Tensor(device, new float[6], 2, 3);
        Rejects.With(() => ElementwiseOp.Add(device, a, b, y), "add", "[2, 3]", "[3, 2]");
    }
}
