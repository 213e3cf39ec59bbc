using System.Runtime.InteropServices;
using CrsIlgpu.Kernels.Codec;

namespace CrsIlgpu.Kernels.Tests.Codec;

/// <summary>
/// The int8 rules on each device and in the reference, on rows of 40 (a CPU vector of 32 and a tail
/// of 8): ties round half to even, all-zero rows decode to exact zeros, a NaN or an Inf makes the
/// whole row NaN and no other, −0 comes back +0, tiny rows keep the bound, and q never leaves ±127.
/// </summary>
[KernelPath]
public class Int8RuleTests : DeviceTests
{
    private const int Width = 40;

    public static TheoryData<string> Implementations => ["kernels", "cpu", "reference"];

    private static CodecRun Run(string implementation, float[] x) => implementation == "reference"
        ? CodecRun.Reference(x, SavedPrecision.Int8, Width)
        : CodecRun.OnDevice(Device(implementation), x, SavedPrecision.Int8, x.Length / Width, Width);

    private static float[] Row(params float[] head)
    {
        var row = new float[Width];
        head.CopyTo(row, 0);
        return row;
    }

    private static sbyte[] Q(CodecRun run) => MemoryMarshal.Cast<byte, sbyte>(run.Payload).ToArray();

    [Theory]
    [MemberData(nameof(Implementations))]
    public void TiesRoundHalfToEven(string implementation)
    {
        // absmax 127: scale exactly 1, so x/scale is x. Away-from-zero gives 1, 3, 3, −1, −3; truncation 0, 1, 2, 0, −1.
        float[] ties = [0.5f, 1.5f, 2.5f, -0.5f, -1.5f, -2.5f, 3.5f, 126.5f];
        var x = Row(127f).ToArray();
        ties.CopyTo(x, 1);
        ties.CopyTo(x, 32); // the tail too
        var run = Run(implementation, x);
        Assert.Equal(1f, run.Scales[0]);
        sbyte[] expected = [0, 2, 2, 0, -2, -2, 4, 126];
        Assert.Equal(expected, Q(run)[1..9]);
        Assert.Equal(expected, Q(run)[32..40]);
        Assert.Equal(127, Q(run)[0]);
    }

    [Theory]
    [MemberData(nameof(Implementations))]
    public void AnAllZeroRowHasScaleZeroAndDecodesToExactZeros(string implementation)
    {
        var negativeZeros = Enumerable.Repeat(-0f, Width).ToArray();
        var run = Run(implementation, [.. new float[Width], .. negativeZeros, .. Row(3f, -1f)]);
        Assert.Equal([0f, 0f, 3f / 127f], run.Scales);
        Assert.All(run.DecodedBits[..(2 * Width)], bits => Assert.Equal(0, bits)); // +0: no NaN from 0/0, and −0 comes back +0
        Assert.Equal(3f, run.Decoded[2 * Width]);
    }

    [Theory]
    [MemberData(nameof(Implementations))]
    public void ANonFiniteValueMakesItsWholeRowNaNAndNoOther(string implementation)
    {
        float[] x = [.. Row(1f, float.NaN, 2f), .. Row(1f, 2f), .. Row(float.PositiveInfinity, 1f), .. Row(2f, 4f), .. Row(-0f, 1f, float.NegativeInfinity)];
        x[Width + 35] = 5f; // a finite row whose max lies in the CPU tail
        var run = Run(implementation, x);
        Assert.Equal([true, false, true, false, true], run.Scales.Select(float.IsNaN).ToArray());
        for (var r = 0; r < 5; r++)
        {
            var decoded = run.Decoded.AsSpan(r * Width, Width).ToArray();
            if (r % 2 == 0)
                Assert.All(decoded, v => Assert.True(float.IsNaN(v), $"row {r}: {v} should be NaN"));
            else
                Assert.All(decoded, v => Assert.True(float.IsFinite(v)));
        }
        Assert.All(Q(run)[..Width], q => Assert.Equal(0, q)); // a NaN row's payload is all zeros: defined bytes
        Assert.Equal(5f / 127f, run.Scales[1]);
        Assert.Equal(5f, run.Decoded[Width + 35], 5);
    }

    [Theory]
    [MemberData(nameof(Implementations))]
    public void NegativeZeroAmongValuesComesBackPositive(string implementation)
    {
        var run = Run(implementation, Row(-0f, 1f, -1e-9f));
        Assert.Equal(0, run.DecodedBits[0]);
        Assert.Equal(0, run.DecodedBits[2]); // −1e-9 rounds to q = 0: +0, not −0
        Assert.Equal(1f, run.Decoded[1]);
    }

    [Theory]
    [MemberData(nameof(Implementations))]
    public void TinyRowsKeepTheirBoundAndQNeverPassesPlusMinus127(string implementation)
    {
        float[] x =
        [
            // absmax 256·2^-149: scale 256/127·2^-149 rounds to 2·2^-149, x/scale = 128 → clamped to 127 (unclamped, (sbyte)128 = −128).
            .. Row(CodecRun.FromBits(0x100), -CodecRun.FromBits(0x100), CodecRun.FromBits(0x3)),
            // absmax 10·2^-149: scale 10/127·2^-149 underflows to 0: decodes to zeros, error ≤ absmax.
            .. Row(CodecRun.FromBits(10), -CodecRun.FromBits(7)),
            // Smallest normals: a subnormal scale.
            .. Row(CodecRun.MinNormal, -CodecRun.MinNormal / 3, CodecRun.MinNormal * 0.75f),
        ];
        var run = Run(implementation, x);
        Assert.Equal([CodecRun.FromBits(2), 0f, CodecRun.MinNormal / 127f], run.Scales);
        Assert.Equal([127, -127, 2], Q(run)[..3]);
        Assert.All(run.Decoded.AsSpan(Width, Width).ToArray(), v => Assert.Equal(0f, v));
        Int8BoundTests.Check(x, run, Width);
    }
}
