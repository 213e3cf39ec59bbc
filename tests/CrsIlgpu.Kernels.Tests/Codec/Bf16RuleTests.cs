using System.Runtime.InteropServices;
using CrsIlgpu.Kernels.Codec;

namespace CrsIlgpu.Kernels.Tests.Codec;

/// <summary>
/// The bf16 rule, case by case: every fp32 bit pattern of the table encodes to the bf16 bits given,
/// by the carry trick (<see cref="CodecMath"/>), by the definition (<see cref="CodecReference"/>) and
/// on both devices (rotated so the CPU backend's vector lanes and scalar tail both see each case).
/// </summary>
[KernelPath]
public class Bf16RuleTests : DeviceTests
{
    /// <summary>(fp32 bits, bf16 bits, why). A truncating or round-half-up encoder fails the tie rows; one without the NaN branch the NaN rows.</summary>
    private static readonly (uint Bits, ushort Bf16, string Why)[] Table =
    [
        (0x3F800000, 0x3F80, "1.0: exact"),
        (0x3F808000, 0x3F80, "tie, kept part even: down (round-half-up gives 0x3F81)"),
        (0x3F818000, 0x3F82, "tie, kept part odd: up (truncation gives 0x3F81)"),
        (0x3F808001, 0x3F81, "just above a tie: up (truncation gives 0x3F80)"),
        (0x3F807FFF, 0x3F80, "just below a tie: down"),
        (0xBF818000, 0xBF82, "negative tie, odd: away from zero"),
        (0xBF808000, 0xBF80, "negative tie, even: toward zero"),
        (0x3FFFFFFF, 0x4000, "carry into the exponent: 1.99999988 -> 2"),
        (0x7F800000, 0x7F80, "+Inf"),
        (0xFF800000, 0xFF80, "-Inf"),
        (0x7F7FFFFF, 0x7F80, "fp32 max: past bf16 max + half an ulp -> +Inf"),
        (0xFF7FFFFF, 0xFF80, "-fp32 max -> -Inf"),
        (0x7F7F7FFF, 0x7F7F, "just below the tie above bf16 max: bf16 max"),
        (0x7F7F8000, 0x7F80, "the tie above bf16 max (odd kept part): +Inf"),
        (0x7FC00000, 0x7FC0, "quiet NaN"),
        (0xFFC00000, 0xFFC0, "negative quiet NaN keeps its sign"),
        (0x7F800001, 0x7FC0, "signalling NaN with a low payload: quiet NaN (the carry alone gives +Inf)"),
        (0x7FFFFFFF, 0x7FFF, "NaN with all mantissa bits: stays NaN (the carry alone gives -0)"),
        (0xFFFFFFFF, 0xFFFF, "negative NaN with all bits: stays NaN"),
        (0x00000000, 0x0000, "+0"),
        (0x80000000, 0x8000, "-0 stays -0"),
        (0x00000001, 0x0000, "smallest subnormal: rounds to +0"),
        (0x80000001, 0x8000, "negative smallest subnormal: rounds to -0"),
        (0x00008000, 0x0000, "subnormal tie, even: down to 0 (no flush needed: the rule)"),
        (0x00018000, 0x0002, "subnormal tie, odd: up"),
        (0x00008001, 0x0001, "subnormal just above a tie: the smallest bf16 subnormal"),
        (0x00012345, 0x0001, "a subnormal kept as a subnormal"),
        (0x007FFFFF, 0x0080, "largest subnormal: rounds up to the smallest normal"),
        (0x00800000, 0x0080, "smallest normal: exact"),
    ];

    public static TheoryData<uint, ushort, string> Cases()
    {
        var data = new TheoryData<uint, ushort, string>();
        foreach (var (bits, bf16, why) in Table)
            data.Add(bits, bf16, why);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void BitTrickAndDefinitionGiveTheTablesBits(uint bits, ushort expected, string why)
    {
        var x = CodecRun.FromBits(bits);
        Assert.True(expected == CodecMath.ToBf16(x), $"carry trick, {why}: got 0x{CodecMath.ToBf16(x):X4}");
        Assert.True(expected == CodecReference.ToBf16(x), $"definition, {why}: got 0x{CodecReference.ToBf16(x):X4}");
    }

    [Theory]
    [MemberData(nameof(Devices))]
    public void DevicesGiveTheTablesBits(string deviceName)
    {
        // The table in every rotation: with 29 values the CPU backend runs one 16-lane vector and a
        // 13-value tail, so each case goes through both its vector lanes and its scalar rule.
        for (var rotation = 0; rotation < Table.Length; rotation++)
        {
            var table = Table[rotation..].Concat(Table[..rotation]).ToArray();
            var x = table.Select(c => CodecRun.FromBits(c.Bits)).ToArray();
            var run = CodecRun.OnDevice(Device(deviceName), x, SavedPrecision.Bf16, x.Length);
            var got = MemoryMarshal.Cast<byte, ushort>(run.Payload).ToArray();
            for (var i = 0; i < table.Length; i++)
            {
                Assert.True(table[i].Bf16 == got[i], $"{deviceName} element {i}, {table[i].Why}: got 0x{got[i]:X4}, expected 0x{table[i].Bf16:X4}");
                Assert.Equal((int)((uint)got[i] << 16), run.DecodedBits[i]); // decode is the bits shifted up: exact
            }
        }
    }

    /// <summary>Every top half (all signs, exponents, kept mantissas) with the dropped halves around a tie and at the ends.</summary>
    [Fact]
    public void BitTrickEqualsTheDefinitionOnEveryTopHalf()
    {
        ushort[] lows = [0x0000, 0x0001, 0x4000, 0x7FFF, 0x8000, 0x8001, 0xC000, 0xFFFF];
        var random = new Random(5);
        var failures = new List<string>();
        for (uint top = 0; top <= 0xFFFF; top++)
        {
            foreach (var low in lows.Append((ushort)random.Next(0x10000)))
            {
                var x = CodecRun.FromBits(top << 16 | low);
                var (trick, definition) = (CodecMath.ToBf16(x), CodecReference.ToBf16(x));
                if (trick != definition && failures.Count < 10)
                    failures.Add($"0x{top << 16 | low:X8}: trick 0x{trick:X4}, definition 0x{definition:X4}");
            }
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    /// <summary>Decode then encode gives every bf16 pattern back (NaNs come back quiet): decode loses nothing.</summary>
    [Fact]
    public void DecodeIsExactOnEveryBf16Pattern()
    {
        for (uint h = 0; h <= 0xFFFF; h++)
        {
            var y = CodecMath.FromBf16((ushort)h);
            Assert.Equal(h << 16, BitConverter.SingleToUInt32Bits(y));
            var back = CodecMath.ToBf16(y);
            var isNaN = (h & 0x7FFF) > 0x7F80;
            Assert.Equal(isNaN ? (ushort)(h | CodecMath.Bf16QuietBit) : (ushort)h, back);
        }
    }
}
