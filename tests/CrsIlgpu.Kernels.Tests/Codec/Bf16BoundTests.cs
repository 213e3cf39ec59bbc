using CrsIlgpu.Kernels.Codec;

namespace CrsIlgpu.Kernels.Tests.Codec;

/// <summary>
/// Round-trip error of bf16 (8 significant bits). Round to nearest moves x by at most half an ulp,
/// 2^(e−8) for x in [2^e, 2^(e+1)); relative to |x| that peaks at the first tie, x = 2^e·(1 + 2^-8):
/// 2^-8/(1 + 2^-8) ≈ 3.9e-3. Note the bound is 2^-8, not 2^-9: half of bf16's epsilon 2^-7.
/// Subnormals have a fixed ulp of 2^-133, so their error is at most 2^-134 absolute.
/// </summary>
[KernelPath]
public class Bf16BoundTests(ITestOutputHelper output) : DeviceTests
{
    private static readonly double RelativeBound = Math.ScaleB(1, -8) / (1 + Math.ScaleB(1, -8));

    /// <summary>Random normal fp32 values, every exponent equally likely, both signs.</summary>
    private static float[] SpanningExponents(int count, int seed)
    {
        var random = new Random(seed);
        var x = new float[count];
        for (var i = 0; i < count; i++)
        {
            var sign = (uint)random.Next(2) << 31;
            var exponent = (uint)random.Next(1, 255) << 23;
            x[i] = CodecRun.FromBits(sign | exponent | (uint)random.Next(1 << 23));
        }
        return x;
    }

    [Theory]
    [MemberData(nameof(Devices))]
    public void RelativeErrorIsAtMostHalfAnUlpOnEveryExponent(string deviceName)
    {
        var x = SpanningExponents(60_003, 7).Where(v => Math.Abs(v) <= 3.38e38f).ToArray(); // above bf16 max + half an ulp: Inf
        x[0] = CodecRun.FromBits(0x3F808000); // the worst case: the first tie above 1
        var y = CodecRun.OnDevice(Device(deviceName), x, SavedPrecision.Bf16, x.Length).Decoded;
        var worst = 0.0;
        for (var i = 0; i < x.Length; i++)
        {
            var relative = Math.Abs((double)y[i] - x[i]) / Math.Abs((double)x[i]);
            Assert.True(relative <= RelativeBound, $"x = {x[i]:R} (0x{BitConverter.SingleToUInt32Bits(x[i]):X8}) -> {y[i]:R}: relative error {relative:E3}");
            worst = Math.Max(worst, relative);
        }
        output.WriteLine($"{deviceName}: max relative bf16 round-trip error {worst:E4} over {x.Length} values (bound {RelativeBound:E4})");
        Assert.Equal(RelativeBound, worst, 12); // the tie reaches the bound exactly: 2^-9 would be too tight
        Assert.True(worst > Math.ScaleB(1, -9));
    }

    [Fact]
    public void SubnormalsKeepAnAbsoluteErrorOfHalfTheirUlp()
    {
        var random = new Random(9);
        var bound = Math.ScaleB(1, -134);
        for (var i = 0; i < 100_000; i++)
        {
            var x = CodecRun.FromBits((uint)random.Next(2) << 31 | (uint)random.Next(1, 1 << 23));
            var error = Math.Abs((double)CodecMath.FromBf16(CodecMath.ToBf16(x)) - x);
            Assert.True(error <= bound, $"subnormal {x:E} error {error:E} > 2^-134");
        }
    }

    [Theory]
    [MemberData(nameof(Devices))]
    public void FiniteValuesPastBf16MaxBecomeInfinite(string deviceName)
    {
        // bf16 max = (2 − 2^-7)·2^127; from max + half an ulp on (the tie rounds to the even Inf) it is ±Inf.
        var bf16Max = CodecRun.FromBits(0x7F7F0000);
        float[] x = [bf16Max, CodecRun.FromBits(0x7F7F8000), float.MaxValue, -float.MaxValue, -bf16Max];
        var y = CodecRun.OnDevice(Device(deviceName), x, SavedPrecision.Bf16, x.Length).Decoded;
        Assert.Equal([bf16Max, float.PositiveInfinity, float.PositiveInfinity, float.NegativeInfinity, -bf16Max], y);
    }
}
