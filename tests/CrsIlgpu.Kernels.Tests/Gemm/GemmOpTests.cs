namespace CrsIlgpu.Kernels.Tests.Gemm;

public class GemmOpTests : DeviceTests
{
    public static TheoryData<string, GemmLayout> Cases => new()
    {
        { "kernels", GemmLayout.NN }, { "kernels", GemmLayout.NT }, { "kernels", GemmLayout.TN },
        { "cpu", GemmLayout.NN }, { "cpu", GemmLayout.NT }, { "cpu", GemmLayout.TN },
    };

    [Theory]
    [KernelPath]
    [MemberData(nameof(Cases))]
    public void BatchedOpOnTensorsMatchesReference(string deviceName, GemmLayout layout)
    {
        var device = Device(deviceName);
        var p = GemmProblem.Create(layout, 9, 13, 7, batch: 2, alpha: 0.5f, beta: 0f);
        var a = TestData.Uniform(2 * 9 * 7, 1);
        var b = TestData.Uniform(2 * 13 * 7, 2);
        var expected = new float[2 * 9 * 13];
        GemmReference.Run(p, a, b, expected);

        using var ta = TestData.Tensor(device, a, a.Length);
        using var tb = TestData.Tensor(device, b, b.Length);
        using var tc = TestData.Tensor(device, new float[expected.Length], expected.Length);
        GemmOp.Run(device, p, ta, tb, tc);
        device.Synchronize();
        // K = 7 terms of |a·b| ≤ 1 scaled by 0.5: fp32 accumulation error ≤ 7·2⁻²⁴·3.5 ≈ 1.5e-6.
        Closeness.AssertClose(expected, tc.ToArray(), 1e-5);
    }

    [Fact]
    [KernelPath]
    public void TooSmallTensorIsRejectedBeforeLaunch()
    {
        var device = TestAccelerators.Kernels;
        var p = GemmProblem.Create(GemmLayout.NN, 4, 4, 4);
        using var a = TestData.Tensor(device, new float[16], 4, 4);
        using var small = TestData.Tensor(device, new float[15], 15);
        var ex = Assert.Throws<ArgumentException>(() => GemmOp.Run(device, p, a, small, a));
        Assert.Contains("gemm_nn", ex.Message);
    }
}
