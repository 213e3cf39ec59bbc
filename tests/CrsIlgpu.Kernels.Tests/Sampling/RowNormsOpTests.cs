namespace CrsIlgpu.Kernels.Tests.Sampling;

public class RowNormsOpTests : DeviceTests
{
    public static TheoryData<string, int, int> DevicesAndShapes
    {
        get
        {
            var data = new TheoryData<string, int, int>();
            foreach (var device in new[] { "kernels", "cpu" })
                foreach (var (rows, d) in new[] { (1, 1), (3, 5), (37, 33), (5, 192), (2, 0) })
                    data.Add(device, rows, d);
            return data;
        }
    }

    // fp32 sums of ≤ 192 squares against a double reference: relative error ≲ d·2^-24 ≈ 1e-5 in the
    // worst case, far less in practice; 1e-5 relative. A wrong norm (no sqrt, L1) is off by ≫ 1e-2.
    [Theory]
    [KernelPath]
    [MemberData(nameof(DevicesAndShapes))]
    public void RowNormsMatchReference(string deviceName, int rows, int d)
    {
        var device = Device(deviceName);
        var data = TestData.Uniform(rows * d, 31 + d, 2f);
        var expected = new float[rows];
        RowNormsReference.RowNorms(data, expected, d);
        using var x = TestData.Tensor(device, data, rows, d);
        using var norms = TestData.Tensor(device, Enumerable.Repeat(float.NaN, rows).ToArray(), rows);
        RowNormsOp.Run(device, x, norms);
        var actual = norms.ToArray();
        for (var r = 0; r < rows; r++)
            Assert.True(Math.Abs(expected[r] - actual[r]) <= 1e-5 * Math.Max(1.0, expected[r]), $"row {r}: {actual[r]} vs {expected[r]}");
    }

    [Fact]
    public void RowNormsRejectAWrongOutputLength()
    {
        var device = TestAccelerators.CpuBackend;
        using var x = TestData.Tensor(device, new float[12], 3, 4);
        using var norms = TestData.Tensor(device, new float[4], 4);
        Assert.Throws<ArgumentException>(() => RowNormsOp.Run(device, x, norms));
    }
}
