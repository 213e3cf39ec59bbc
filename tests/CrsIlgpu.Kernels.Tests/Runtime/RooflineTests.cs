namespace CrsIlgpu.Kernels.Tests.Runtime;

public class RooflineTests
{
    [Fact]
    public void PeaksOfAnH100SxmDescriptionMatchItsDataSheet()
    {
        // What the driver reports for an H100 SXM5: cc 9.0, 132 SMs, 1980 MHz, HBM3 at 2619 MHz on 5120 bits.
        var peak = DevicePeak.FromCudaAttributes(9, 0, 132, 1_980_000, 2_619_000, 5120)!;
        Assert.Equal(132 * 1.98e9 * 128 * 2, peak.Fp32FlopsPerSecond, 1e-3);  // 66.9 TFLOP/s (data sheet: 67)
        Assert.Equal(2.619e9 * 640 * 2, peak.BytesPerSecond, 1e-3);            // 3.35 TB/s (data sheet: 3.35)
        Assert.Equal(peak.Fp32FlopsPerSecond / peak.BytesPerSecond, peak.RidgeFlopsPerByte, 12);
    }

    [Fact]
    public void AnA100HasHalfTheFp32LanesPerSm()
    {
        // A100 40GB: cc 8.0, 108 SMs at 1410 MHz, HBM2 at 1215 MHz on 5120 bits: 19.5 TFLOP/s, 1.555 TB/s.
        var peak = DevicePeak.FromCudaAttributes(8, 0, 108, 1_410_000, 1_215_000, 5120)!;
        Assert.Equal(19.49e12, peak.Fp32FlopsPerSecond, 0.01e12);
        Assert.Equal(1.555e12, peak.BytesPerSecond, 0.001e12);
        Assert.Equal(128, DevicePeak.Fp32LanesPerMultiprocessor(8, 6));
    }

    [Theory]
    [InlineData(3, 5, 10, 1000, 1000, 64)]
    [InlineData(9, 0, 0, 1000, 1000, 64)]
    [InlineData(9, 0, 10, 0, 1000, 64)]
    [InlineData(9, 0, 10, 1000, 1000, 0)]
    public void MissingFiguresGiveNoPeak(int major, int minor, int sms, long clock, long memClock, int bus) =>
        Assert.Null(DevicePeak.FromCudaAttributes(major, minor, sms, clock, memClock, bus));

    [Fact]
    public void TheRidgeDecidesWhichRoofBounds()
    {
        var peak = new DevicePeak(10e12, 1e12); // ridge: 10 flop/byte
        // A GEMM-like kernel: 2e9 flops over 1e8 bytes (20 flop/byte) in 1 ms → 2 TFLOP/s = 20% of FP32.
        var gemm = RooflinePosition.Of(2e9, 1e8, 1e-3, peak)!;
        Assert.Equal(RooflinePosition.Compute, gemm.Bound);
        Assert.Equal(0.2, gemm.FractionOfPeak, 12);
        Assert.Equal("20.0% FP32", gemm.ToString());
        // An element-wise add: 1e8 flops over 1.2e9 bytes in 2 ms → 600 GB/s = 60% of bandwidth.
        var add = RooflinePosition.Of(1e8, 1.2e9, 2e-3, peak)!;
        Assert.Equal(RooflinePosition.Memory, add.Bound);
        Assert.Equal(0.6, add.FractionOfPeak, 12);
        Assert.Equal("60.0% BW", add.ToString());
        // Declared bytes only: memory; flops only: compute.
        Assert.Equal(RooflinePosition.Memory, RooflinePosition.Of(0, 1e9, 1e-3, peak)!.Bound);
        Assert.Equal(RooflinePosition.Compute, RooflinePosition.Of(1e9, 0, 1e-3, peak)!.Bound);
    }

    [Fact]
    public void NoPeakNoTimeOrNoWorkGivesNoPosition()
    {
        var peak = new DevicePeak(1e12, 1e11);
        Assert.Null(RooflinePosition.Of(1e9, 1e8, 1e-3, null));
        Assert.Null(RooflinePosition.Of(1e9, 1e8, 0, peak));
        Assert.Null(RooflinePosition.Of(0, 0, 1e-3, peak));
    }

    [Fact]
    public void TheCpuHasNoPeak() => Assert.Null(TestAccelerators.CpuBackend.Peak);
}
