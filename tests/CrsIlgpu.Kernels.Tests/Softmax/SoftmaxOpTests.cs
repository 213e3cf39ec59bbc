using CrsIlgpu.Kernels.Reduction;
using CrsIlgpu.Kernels.Softmax;
using CrsIlgpu.Kernels.Tests.Reduction;

namespace CrsIlgpu.Kernels.Tests.Softmax;

public class SoftmaxOpTests : DeviceTests
{
    /// <summary>Both devices at odd widths: one element, shorter than a warp, just over a warp, 65 (ViT-Tiny's L), 192.</summary>
    public static TheoryData<string, int, int> DevicesAndShapes => DeviceCases.Of((1, 1), (3, 5), (37, 33), (3, 65), (37, 192));

    // Tolerances: outputs are probabilities (≤ 1) or y·(dy − dot) with |dy| ≤ 1. fp32 exp and a
    // row sum of ≤ 300 fp32 terms carry a relative error of a few 1e-7 (the tree sum's depth times
    // 2^-24, plus ex2.approx's 2 ulp on the GPU), so 2e-6 absolute against the double reference
    // leaves a margin yet fails on any wrong formula (errors of 1e-2 and more).
    private const double Tolerance = 2e-6;

    [Theory]
    [KernelPath]
    [MemberData(nameof(DevicesAndShapes))]
    public void ForwardMatchesReferenceAndRowsSumToOne(string deviceName, int rows, int n)
    {
        var device = Device(deviceName);
        var x = TestData.Uniform(rows * n, 11 + n, scale: 4f);
        var expected = new float[x.Length];
        SoftmaxReference.Forward(x, expected, n);

        using var tx = TestData.Tensor(device, x, rows, n);
        using var ty = TestData.Tensor(device, new float[x.Length], rows, n);
        SoftmaxOp.Forward(device, tx, ty);
        device.Synchronize();
        var y = ty.ToArray();
        Closeness.AssertClose(expected, y, Tolerance);
        for (var r = 0; r < rows; r++)
            Assert.Equal(1.0, y.AsSpan(r * n,
                n).ToArray().Sum(v => (double)v), 1e-5); // per-element rounding errors (~1e-7, of either sign) summed over ≤ 192 values
    }

    [Theory]
    [KernelPath]
    [MemberData(nameof(Devices))]
    public void RowsAreTheLeadingDimensionsOfAnyRank(string deviceName)
    {
        var device = Device(deviceName);
        int[] shape = [2, 3, 37];
        var x = TestData.Uniform(2 * 3 * 37, 13, scale: 4f);
        var expected = new float[x.Length];
        SoftmaxReference.Forward(x, expected, 37);
        using var tx = TestData.Tensor(device, x, shape);
        using var ty = TestData.Tensor(device, new float[x.Length], shape);
        SoftmaxOp.Forward(device, tx, ty);
        device.Synchronize();
        Closeness.AssertClose(expected, ty.ToArray(), Tolerance);
    }

    [Theory]
    [KernelPath]
    [MemberData(nameof(Devices))]
    public void ForwardIsStableForHugeLogitsAndMaskedEntries(string deviceName)
    {
        var device = Device(deviceName);
        const int n = 50;
        var x = TestData.Uniform(3 * n, 12, scale: 3f);
        var shifted = (float[])x.Clone();
        for (var j = 0; j < n; j++)
        {
            x[j] += 1000f;          // exp would overflow without the max subtraction
            x[n + j] -= 1000f;      // and underflow to 0/0
        }
        x[2 * n + 3] = float.NegativeInfinity; // a masked entry gets probability 0
        shifted[2 * n + 3] = float.NegativeInfinity;
        var expected = new float[x.Length];
        SoftmaxReference.Forward(shifted, expected, n);

        using var tx = TestData.Tensor(device, x, 3, n);
        using var ty = TestData.Tensor(device, new float[x.Length], 3, n);
        SoftmaxOp.Forward(device, tx, ty);
        device.Synchronize();
        var y = ty.ToArray();
        Assert.All(y, v => Assert.True(float.IsFinite(v)));
        Assert.Equal(0f, y[2 * n + 3]);
        // The reference sees the unshifted logits; x ± 1000 rounds each to a multiple of 2^-14 (6.1e-5),
        // which moves p by up to p·3e-5: hence 1e-4 instead of 2e-6.
        Closeness.AssertClose(expected, y, 1e-4);
    }

    [Theory]
    [KernelPath]
    [MemberData(nameof(DevicesAndShapes))]
    public void BackwardMatchesReference(string deviceName, int rows, int n)
    {
        var device = Device(deviceName);
        var y = new float[rows * n];
        SoftmaxReference.Forward(TestData.Uniform(rows * n, 21, 3f), y, n);
        var dy = TestData.Uniform(rows * n, 22);
        var expected = new float[y.Length];
        SoftmaxReference.Backward(y, dy, expected, n);

        using var ty = TestData.Tensor(device, y, rows, n);
        using var tdy = TestData.Tensor(device, dy, rows, n);
        using var tdx = TestData.Tensor(device, new float[y.Length], rows, n);
        SoftmaxOp.Backward(device, ty, tdy, tdx);
        device.Synchronize();
        Closeness.AssertClose(expected, tdx.ToArray(), Tolerance);
    }

    [Theory]
    [KernelPath]
    [MemberData(nameof(Devices))]
    public void InPlaceForwardAndBackwardMatchOutOfPlace(string deviceName)
    {
        var device = Device(deviceName);
        const int rows = 4, n = 70;
        var x = TestData.Uniform(rows * n, 31, 5f);
        var dy = TestData.Uniform(rows * n, 32);
        var y = new float[x.Length];
        var dx = new float[x.Length];
        SoftmaxReference.Forward(x, y, n);
        SoftmaxReference.Backward(y, dy, dx, n);

        using var t = TestData.Tensor(device, x, rows, n);
        SoftmaxOp.Forward(device, t, t);
        device.Synchronize();
        Closeness.AssertClose(y, t.ToArray(), Tolerance);

        using var g = TestData.Tensor(device, dy, rows, n);
        SoftmaxOp.Backward(device, t, g, g);
        device.Synchronize();
        Closeness.AssertClose(dx, g.ToArray(), Tolerance);
    }

    [Theory]
    [KernelPath]
    [MemberData(nameof(GroupSizeCases.GroupSizesAndRowLengths), MemberType = typeof(GroupSizeCases))]
    public void KernelsAreRightForAnyGroupSize(int groupSize, int n)
    {
        var device = TestAccelerators.Kernels;
        const int rows = 3;
        var x = TestData.Uniform(rows * n, groupSize + n, 4f);
        var dy = TestData.Uniform(rows * n, groupSize + n + 1);
        var y = new float[x.Length];
        var dx = new float[x.Length];
        SoftmaxReference.Forward(x, y, n);
        SoftmaxReference.Backward(y, dy, dx, n);

        using var tx = TestData.Tensor(device, x, rows, n);
        using var ty = TestData.Tensor(device, new float[x.Length], rows, n);
        using var tdy = TestData.Tensor(device, dy, rows, n);
        using var tdx = TestData.Tensor(device, new float[x.Length], rows, n);
        SoftmaxKernels.LaunchForward(device, tx.View, ty.View, rows, n, groupSize);
        device.Synchronize();
        Closeness.AssertClose(y, ty.ToArray(), Tolerance);
        ty.CopyFrom(y);
        SoftmaxKernels.LaunchBackward(device, ty.View, tdy.View, tdx.View, rows, n, groupSize);
        device.Synchronize();
        Closeness.AssertClose(dx, tdx.ToArray(), Tolerance);
    }

    [Fact]
    public void ReferenceBackwardIsTheGradientOfTheForward()
    {
        // L(x) = Σ dy ⊙ softmax(x): dL/dx must equal Backward(softmax(x), dy), checked by central differences.
        const int rows = 2, n = 9;
        const float h = 1e-2f;
        var x = TestData.Uniform(rows * n, 41, 2f);
        var dy = TestData.Uniform(rows * n, 42);
        var y = new float[x.Length];
        var dx = new float[x.Length];
        SoftmaxReference.Forward(x, y, n);
        SoftmaxReference.Backward(y, dy, dx, n);
        for (var i = 0; i < x.Length; i++)
        {
            var numeric = (Objective(x, dy, n, i, h) - Objective(x, dy, n, i, -h)) / (2 * h);
            Assert.Equal(numeric, dx[i], 2e-4); // O(h²) truncation ≈ 1e-4·|f'''| plus fp32 output rounding / 2h ≈ 1e-5
        }
    }

    private static double Objective(float[] x, float[] dy, int n, int i, float step)
    {
        var xs = (float[])x.Clone();
        xs[i] += step;
        var y = new float[x.Length];
        SoftmaxReference.Forward(xs, y, n);
        return y.Select((v, k) => (double)v * dy[k]).Sum();
    }

    [Fact]
    [KernelPath]
    public void ShapeMismatchNamesOpAndShapes()
    {
        var device = TestAccelerators.Kernels;
        using var x = TestData.Tensor(device, new float[12], 3, 4);
        using var y = TestData.Tensor(device, new float[12], 4, 3);
        Rejects.With(() => SoftmaxOp.Forward(device, x, y), SoftmaxKernels.ForwardName, "[3, 4]", "[4, 3]");
    }

    [Fact]
    [KernelPath]
    public void GroupSizeOutsideTheLimitsIsRejected()
    {
        var device = TestAccelerators.Kernels;
        using var x = TestData.Tensor(device, new float[12], 3, 4);
        Assert.Throws<ArgumentOutOfRangeException>(() => SoftmaxKernels.LaunchForward(device, x.View, x.View, 3, 4, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => SoftmaxKernels.LaunchForward(device, x.View, x.View, 3, 4, 2048));
    }

    [Theory]
    [KernelPath]
    [InlineData(1, 32)]
    [InlineData(65, 96)]
    [InlineData(197, 224)]
    [InlineData(768, RowGroups.MaxAuto)]
    public void AutomaticGroupSizeCoversTheRowInWholeWarps(int n, int expected) =>
        Assert.Equal(expected, RowGroups.Auto(TestAccelerators.Accelerator, n));
}
