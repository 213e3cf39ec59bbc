using CrsIlgpu.Kernels.Codec;

namespace CrsIlgpu.Kernels.Tests.Codec;

/// <summary>
/// Round-trip error of the int8 codec. In exact arithmetic q = round(x/s) is within 1/2 of x/s, so
/// |q·s − x| ≤ s/2. In fp32, x/s (|x/s| ≤ 127) and q·s each round by at most 127.5·2^-24 of s, so the
/// tested bound is s·(1/2 + 2^-16); where the scale is subnormal (absmax &lt; 127·2^-126 ≈ 1.5e-36)
/// it rounds by up to 2^-150, which adds up to 64·2^-149 absolute.
/// </summary>
[KernelPath]
public class Int8BoundTests(ITestOutputHelper output) : DeviceTests
{
    private static readonly double Slack = Math.ScaleB(1, -16);
    private static readonly double SubnormalSlack = 64 * Math.ScaleB(1, -149);

    public static TheoryData<string, int> DevicesAndWidths => DeviceCases.Of(1, 3, 32, 33, 768, 3072);

    internal static float[] Gaussian(int count, int seed, double sigma = 1)
    {
        var random = new Random(seed);
        var x = new float[count];
        for (var i = 0; i < count; i++)
            x[i] = (float)(sigma * Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble()));
        return x;
    }

    [Theory]
    [MemberData(nameof(DevicesAndWidths))]
    public void EveryElementIsWithinHalfItsRowsScale(string deviceName, int width)
    {
        var rows = Math.Clamp(6000 / width, 3, 400); // 400 groups of 32 on the CPU accelerator: seconds, not minutes
        var x = Gaussian(rows * width, width);
        for (var r = 0; r < rows; r++) // rows of very different magnitudes: each gets its own scale
            for (var j = 0; j < width; j++)
                x[r * width + j] *= MathF.Pow(10, r % 7 - 3);
        var run = CodecRun.OnDevice(Device(deviceName), x, SavedPrecision.Int8, rows, width);
        var (worst, rms) = Check(x, run, width);
        output.WriteLine($"{deviceName} width {width}: max |decode − x|/scale {worst:F6}, rms error/absmax {rms:E3}");
    }

    /// <summary>
    /// One scale per row of N(0, 1) values: the error is uniform in ±scale/2, rms scale/√12, and the
    /// scale grows with the row's absmax, about 3.4σ at 768 and 3.8σ at 3072 (vit-b16's MLP width):
    /// measured 0.77% and 0.86% relative rms error. One 50σ outlier makes the rest of its row ~14× coarser (11%).
    /// </summary>
    [Theory]
    [InlineData(768, 0.0065, 0.0085)]
    [InlineData(3072, 0.0075, 0.0095)]
    public void GaussianRowsMeasured(int width, double low, double high)
    {
        const int rows = 64;
        var x = Gaussian(rows * width, 31);
        var run = CodecRun.OnDevice(TestAccelerators.CpuBackend, x, SavedPrecision.Int8, rows, width);
        Check(x, run, width);
        var relativeRms = RelativeRms(x, run.Decoded, 0, x.Length);
        output.WriteLine($"width {width} Gaussian: relative rms error {relativeRms:E3}, mean absmax {127 * run.Scales.Average():F3}σ, "
            + $"max |error| {x.Zip(run.Decoded, (a, b) => Math.Abs((double)a - b)).Max():E3}");
        Assert.InRange(relativeRms, low, high);

        x[0] = 50f;
        var outlier = CodecRun.OnDevice(TestAccelerators.CpuBackend, x, SavedPrecision.Int8, rows, width);
        Check(x, outlier, width);
        var rowRms = RelativeRms(x, outlier.Decoded, 1, width - 1); // the outlier's row without the outlier
        output.WriteLine($"width {width} with a 50σ outlier: the rest of that row's relative rms error {rowRms:E3}");
        Assert.True(rowRms > 8 * relativeRms);
    }

    private static double RelativeRms(float[] x, float[] y, int start, int count)
    {
        double sq = 0, sum = 0;
        for (var i = start; i < start + count; i++)
            (sq, sum) = (sq + Math.Pow((double)y[i] - x[i], 2), sum + (double)x[i] * x[i]);
        return Math.Sqrt(sq / sum);
    }

    /// <summary>Asserts the bound per element; returns the worst error in units of the scale and the rms error relative to absmax.</summary>
    internal static (double Worst, double Rms) Check(float[] x, CodecRun run, int width)
    {
        var scales = run.Scales;
        var y = run.Decoded;
        double worst = 0, sq = 0, absmaxSq = 0;
        for (var i = 0; i < x.Length; i++)
        {
            double s = scales[i / width], error = Math.Abs((double)y[i] - x[i]);
            var bound = s * (0.5 + Slack) + (s < CodecRun.MinNormal ? SubnormalSlack : 0);
            Assert.True(error <= bound, $"element {i}: x = {x[i]:R}, decoded {y[i]:R}, scale {s:R}: error {error:E3} > {bound:E3}");
            if (s > 0)
                worst = Math.Max(worst, error / s);
            sq += error * error;
            absmaxSq += 127 * s * 127 * s;
        }
        return (worst, Math.Sqrt(sq / Math.Max(absmaxSq, double.Epsilon)));
    }
}
