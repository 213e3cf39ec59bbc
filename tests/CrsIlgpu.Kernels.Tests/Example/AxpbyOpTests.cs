using CrsIlgpu.Kernels.Example;

namespace CrsIlgpu.Kernels.Tests.Example;

/// <summary>The worked example's tests (docs/custom-kernels.md, step 5): kernel and CPU backend against the reference.</summary>
public class AxpbyOpTests : DeviceTests
{
    /// <summary>Lengths around ILGPU's group sizes and the vector widths of the CPU backend (8 and 16 floats).</summary>
    public static TheoryData<string, int> DevicesAndLengths() => DeviceCases.Of(1, 7, 31, 33, 100, 256);

    /// <summary>
    /// Tolerance: the reference rounds α·x and β·y and then their sum; a fused multiply-add (ptxas
    /// contracts mul + add on a GPU) skips one rounding, so results may differ by an ulp or two of
    /// |α·x| + |β·y|. On the CPU both implementations round the same way.
    /// </summary>
    private static void AssertClose(float[] x, float[] y0, float[] expected, float[] got, float alpha, float beta) =>
        Closeness.AssertClose(expected, got, i => 2.5e-7 * (Math.Abs(alpha * x[i]) + Math.Abs(beta * y0[i])) + 1e-30, "y");

    [Theory]
    [KernelPath]
    [MemberData(nameof(DevicesAndLengths))]
    public void MatchesTheReference(string deviceName, int n)
    {
        var device = Device(deviceName);
        const float alpha = 0.75f, beta = -1.25f;
        var x = TestData.Uniform(n, 1, 3f);
        var y0 = TestData.Uniform(n, 2, 3f);
        var expected = (float[])y0.Clone();
        AxpbyReference.Run(x, expected, alpha, beta);

        using var tx = TestData.Tensor(device, x, n);
        using var ty = TestData.Tensor(device, y0, n);
        AxpbyOp.Run(device, tx, ty, alpha, beta);
        device.Synchronize();
        AssertClose(x, y0, expected, ty.ToArray(), alpha, beta);
        Assert.Equal(x, tx.ToArray()); // x is read-only
    }

    [Theory]
    [KernelPath]
    [MemberData(nameof(Devices))]
    public void XMayBeY(string deviceName)
    {
        // y ← 2·y + 3·y = 5·y, exact for these small integers.
        var device = Device(deviceName);
        var y = Enumerable.Range(-20, 45).Select(i => (float)i).ToArray();
        using var t = TestData.Tensor(device, y, 5, 9);
        AxpbyOp.Run(device, t, t, 2f, 3f);
        device.Synchronize();
        Assert.Equal(y.Select(v => 5 * v), t.ToArray());
    }

    [Fact]
    [KernelPath]
    public void ShapeMismatchIsReportedBeforeAnyLaunch()
    {
        var device = TestAccelerators.Kernels;
        using var x = TestData.Tensor(device, new float[6], 2, 3);
        using var y = TestData.Tensor(device, new float[6], 3, 2);
        Rejects.With(() => AxpbyOp.Run(device, x, y, 1f, 1f), "axpby", "[2, 3]", "[3, 2]");
        Assert.Throws<ArgumentException>(() => AxpbyOp.Run(device, x, x, float.NaN, 1f));
    }

    [Fact]
    [KernelPath]
    public void TheProfilerSeesOneLaunchUnderTheCatalogNameWithItsDeclaredWork()
    {
        using var device = TestDevices.Create("kernels");
        device.Profiler.Enabled = true;
        using var x = TestData.Tensor(device, TestData.Uniform(40, 3), 40);
        using var y = TestData.Tensor(device, TestData.Uniform(40, 4), 40);
        AxpbyOp.Run(device, x, y, 1f, 0.5f);
        var stats = Assert.Single(device.Profiler.Summary());
        Assert.Equal(AxpbyKernels.Name, stats.Kernel);
        Assert.Equal(1, stats.Launches);
        Assert.Equal(3.0 * 40, stats.Flops);
        Assert.Equal(12.0 * 40, stats.Bytes);
        Assert.Equal("Kernel_Axpby", KernelCatalog.Get(AxpbyKernels.Name).PtxEntryName);
    }
}
