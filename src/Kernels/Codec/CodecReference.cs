namespace CrsIlgpu.Kernels.Codec;

/// <summary>
/// The codecs written from their definitions, the ground truth of the tests. bf16: of the two bf16
/// values around x (bits cut toward zero, and one step further out), the nearer one in exact
/// (double) arithmetic, the even one on a tie; not the carry trick the kernels use. int8: absmax by
/// a plain float max with non-finite values flagged, then the same float operations as the kernels
/// in the same order (division by the scale, round half to even, clamp), so all three agree bit for bit.
/// </summary>
public static class CodecReference
{
    public static void EncodeBf16(ReadOnlySpan<float> x, Span<ushort> h)
    {
        for (var i = 0; i < x.Length; i++)
            h[i] = ToBf16(x[i]);
    }

    public static void DecodeBf16(ReadOnlySpan<ushort> h, Span<float> y)
    {
        for (var i = 0; i < h.Length; i++)
            y[i] = BitConverter.UInt32BitsToSingle((uint)h[i] << 16);
    }

    public static ushort ToBf16(float x)
    {
        var bits = BitConverter.SingleToUInt32Bits(x);
        if (float.IsNaN(x))
            return (ushort)((bits >> 16) | 0x0040); // quiet, sign and top payload kept
        if (float.IsInfinity(x))
            return (ushort)(bits >> 16);
        var down = bits & 0xFFFF0000u;
        var up = down + 0x10000u;
        // One step past bf16's largest finite value is 2^128 in exact arithmetic (the bits of Inf).
        var upValue = (up & 0x7FFFFFFFu) == 0x7F800000u ? Math.CopySign(Math.Pow(2, 128), x) : BitConverter.UInt32BitsToSingle(up);
        // Both differences are exact in double: float neighbours differ in at most 25 significant bits.
        var toDown = Math.Abs(x - (double)BitConverter.UInt32BitsToSingle(down));
        var toUp = Math.Abs(upValue - x);
        var pick = toDown < toUp ? down : toUp < toDown ? up : ((down >> 16) & 1) == 0 ? down : up;
        return (ushort)(pick >> 16);
    }

    /// <summary>Rows of <paramref name="n"/>: scale_r = absmax_r / 127 (NaN if the row has a NaN or an Inf), q = round-half-even(x / scale).</summary>
    public static void EncodeInt8(ReadOnlySpan<float> x, Span<sbyte> q, Span<float> scales, int n)
    {
        for (var r = 0; r < scales.Length && n > 0; r++)
        {
            var row = x.Slice(r * n, n);
            var absmax = 0f;
            var finite = true;
            foreach (var v in row)
            {
                if (float.IsFinite(v))
                    absmax = Math.Max(absmax, Math.Abs(v));
                else
                    finite = false;
            }
            var scale = finite ? absmax / 127f : float.NaN;
            scales[r] = scale;
            for (var j = 0; j < n; j++)
                q[r * n + j] = scale > 0f ? (sbyte)Math.Clamp(MathF.Round(row[j] / scale), -127f, 127f) : (sbyte)0;
        }
    }

    public static void DecodeInt8(ReadOnlySpan<sbyte> q, ReadOnlySpan<float> scales, Span<float> y, int n)
    {
        for (var i = 0; i < q.Length; i++)
            y[i] = q[i] * scales[i / n];
    }
}
