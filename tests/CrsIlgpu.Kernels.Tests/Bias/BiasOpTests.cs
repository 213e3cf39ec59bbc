using CrsIlgpu.Kernels.Bias;

namespace CrsIlgpu.Kernels.Tests.Bias;

public class BiasOpTests : DeviceTests
{
    public static TheoryData<string, int, int> Cases() => DeviceCases.Of((1, 1), (3, 5), (37, 33), (3, 65), (37, 1));

    [Theory]
    [KernelPath]
    [MemberData(nameof(Cases))]
    public void AddMatchesReferenceExactly(string deviceName, int rows, int cols)
    {
        var device = Device(deviceName);
        var y = TestData.Uniform(rows * cols, rows + 10 * cols);
        var b = TestData.Uniform(cols, cols + 1);
        var expected = (float[])y.Clone();
        BiasReference.Add(expected, b);

        using var ty = TestData.Tensor(device, y, rows, cols);
        using var tb = TestData.Tensor(device, b, cols);
        BiasOp.Add(device, ty, tb);
        device.Synchronize();
        Assert.Equal(expected, ty.ToArray()); // one fp32 add per element: bit-identical
    }

    [Theory]
    [KernelPath]
    [MemberData(nameof(Cases))]
    public void GradMatchesReference(string deviceName, int rows, int cols) =>
        CheckGrad(Device(deviceName), rows, cols, BiasKernels.DefaultGroupSize, BiasKernels.DefaultRowsPerBlock);

    [Theory]
    [KernelPath]
    [InlineData("kernels", 8)] // 5 row blocks: partial pass + final pass
    [InlineData("kernels", 1)] // one row per block: the final pass does all the adding
    [InlineData("cpu", 8)]
    public void GradTwoPassMatchesReference(string deviceName, int rowsPerBlock) =>
        CheckGrad(Device(deviceName), 37, 65, BiasKernels.DefaultGroupSize, rowsPerBlock);

    // Below a warp (1, 7, 31), a warp, not a power of two (33, 48, 100), and the default.
    [Theory]
    [KernelPath]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(31)]
    [InlineData(32)]
    [InlineData(33)]
    [InlineData(48)]
    [InlineData(100)]
    [InlineData(256)]
    public void GradIsRightForAnyGroupSize(int groupSize) =>
        CheckGrad(TestAccelerators.Kernels, 37, 65, groupSize, 5);

    [Fact]
    [KernelPath]
    public void GradIsDeterministic()
    {
        var device = TestAccelerators.Kernels;
        var dy = TestData.Uniform(37 * 33, 5);
        using var tdy = TestData.Tensor(device, dy, 37, 33);
        using var db1 = TestData.Tensor(device, new float[33], 33);
        using var db2 = TestData.Tensor(device, new float[33], 33);
        BiasOp.Grad(device, tdy, db1, 64, 4);
        BiasOp.Grad(device, tdy, db2, 64, 4);
        device.Synchronize();
        Assert.Equal(db1.ToArray(), db2.ToArray());
    }

    [Fact]
    public void CpuBackendParallelPathMatchesReference()
    {
        // 600 × 200 = 120,000 elements: above the Parallel.For threshold, 5 chunks of 128 rows.
        const int rows = 600, cols = 200;
        var device = TestAccelerators.CpuBackend;
        var y = TestData.Uniform(rows * cols, 3);
        var b = TestData.Uniform(cols, 4);
        var expected = (float[])y.Clone();
        BiasReference.Add(expected, b);
        using var ty = TestData.Tensor(device, y, rows, cols);
        using var tb = TestData.Tensor(device, b, cols);
        BiasOp.Add(device, ty, tb);
        Assert.Equal(expected, ty.ToArray());

        CheckGrad(device, rows, cols, BiasKernels.DefaultGroupSize, BiasKernels.DefaultRowsPerBlock);
    }

    [Fact]
    [KernelPath]
    public void AddRejectsBiasOfWrongLength()
    {
        var device = TestAccelerators.Kernels;
        using var y = TestData.Tensor(device, new float[12], 4, 3);
        using var b = TestData.Tensor(device, new float[4], 4);
        Rejects.With(() => BiasOp.Add(device, y, b), BiasKernels.AddName, "[4, 3]", "[4]");
    }

    [Fact]
    public void GradRejectsBiasOfWrongLength()
    {
        var device = TestAccelerators.CpuBackend;
        using var dy = TestData.Tensor(device, new float[12], 2, 6);
        using var db = TestData.Tensor(device, new float[2], 2);
        Rejects.With(() => BiasOp.Grad(device, dy, db), BiasKernels.GradPartialName, "[2, 6]", "[2]");
    }

    /// <summary>
    /// db against the double reference. Tolerance per column: the recursive-summation bound
    /// (rows − 1)·u·Σ_r |dy[r, c]| with u = 2⁻²⁴ (any order of fp32 adds, blocked or not, meets it);
    /// dropping or doubling one row is off by ~|dy| ≫ that. db starts as garbage: it must be overwritten.
    /// </summary>
    private static void CheckGrad(DeviceContext device, int rows, int cols, int groupSize, int rowsPerBlock)
    {
        var dy = TestData.Uniform(rows * cols, 7 * rows + cols);
        var expected = new float[cols];
        BiasReference.Grad(dy, expected);

        using var tdy = TestData.Tensor(device, dy, rows, cols);
        using var tdb = TestData.Tensor(device, TestData.Uniform(cols, 99, 1000f), cols);
        BiasOp.Grad(device, tdy, tdb, groupSize, rowsPerBlock);
        device.Synchronize();

        var got = tdb.ToArray();
        for (var c = 0; c < cols; c++)
        {
            double absSum = 0;
            for (var r = 0; r < rows; r++)
                absSum += Math.Abs(dy[r * cols + c]);
            var tolerance = Math.Max(rows - 1, 1) * Math.Pow(2, -24) * absSum + 1e-7 * Math.Abs(expected[c]);
            Assert.True(Math.Abs(got[c] - expected[c]) <= tolerance, $"db[{c}] = {got[c]}, expected {expected[c]} (tol {tolerance:E2})");
        }
    }
}
