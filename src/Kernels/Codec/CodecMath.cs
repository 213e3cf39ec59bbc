namespace CrsIlgpu.Kernels.Codec;

/// <summary>
/// The scalar rules of the saved-tensor codecs, shared by the kernels and the CPU backend's tails
/// (the vector lanes of <see cref="CodecCpu"/> do the same operations). No rule has a multiply
/// followed by an add (int8 encode has no multiply at all), so there is nothing for ptxas to
/// contract into an FMA: the three implementations give the same bits.
/// </summary>
public static class CodecMath
{
    /// <summary>|x| as bits: sign cleared. Non-negative floats order like their bits, and NaN bits lie above +Inf's.</summary>
    public const uint AbsMask = 0x7FFFFFFFu;

    /// <summary>Bits of +Inf: |x| bits at or above it are Inf or NaN.</summary>
    public const uint InfinityBits = 0x7F800000u;

    /// <summary>The quiet bit of a bfloat16 NaN (top mantissa bit).</summary>
    public const ushort Bf16QuietBit = 0x0040;

    /// <summary>Largest |q| of the int8 codec: symmetric, so −128 is never used.</summary>
    public const float Int8Max = 127f;

    /// <summary>
    /// 1.5·2^23: for |t| ≤ 2^22, t + this lands where the float spacing is 1, so the IEEE add rounds t
    /// half to even, and subtracting it back is exact. One add and one subtract (add.f32/sub.f32 on the
    /// GPU, no multiply to fuse with): ILGPU's XMath.RoundToEven is some 30 integer instructions in PTX.
    /// </summary>
    public const float RoundingShift = 12582912f;

    /// <summary>
    /// fp32 → bf16, round to nearest even: adding 0x7FFF plus the kept part's lowest bit carries into
    /// the kept 16 bits exactly when the dropped half is above one half, or one half with an odd kept
    /// part. The carry moves finite values past bf16's max to ±Inf and leaves ±Inf, ±0 and subnormals
    /// to the same rule. NaN is kept apart (the carry could make it Inf): its top bits, made quiet.
    /// </summary>
    public static ushort ToBf16(float x)
    {
        var bits = Interop.FloatAsInt(x);
        if ((bits & AbsMask) > InfinityBits)
            return (ushort)((bits >> 16) | Bf16QuietBit);
        return (ushort)((bits + 0x7FFFu + ((bits >> 16) & 1u)) >> 16);
    }

    /// <summary>bf16 → fp32: exact (the bf16 bits are the fp32's top half).</summary>
    public static float FromBf16(ushort h) => Interop.IntAsFloat((uint)h << 16);

    /// <summary>
    /// The row's scale from the largest |x| bit pattern of the row (bits &amp; <see cref="AbsMask"/>, as an int): absmax/127,
    /// or NaN when the row holds a NaN or an Inf, so every element of that row decodes to NaN.
    /// </summary>
    public static float Int8Scale(int maxAbsBits) =>
        maxAbsBits >= (int)InfinityBits ? float.NaN : Interop.IntAsFloat((uint)maxAbsBits) / Int8Max;

    /// <summary>
    /// q = round-half-even(x / scale) clamped to ±127; 0 where the scale is 0 (an all-zero row, or a
    /// row so small that absmax/127 underflows) or NaN (a non-finite row), so 0/0 never happens.
    /// Clamping before rounding gives the same q (both keep ±127 past ±127) and keeps t in the
    /// range of <see cref="RoundingShift"/>; the conversion then truncates a whole number: exact.
    /// </summary>
    public static sbyte ToInt8(float x, float scale)
    {
        if (!(scale > 0f))
            return 0;
        var t = x / scale;
        t = t > Int8Max ? Int8Max : t < -Int8Max ? -Int8Max : t;
        return (sbyte)(int)(t + RoundingShift - RoundingShift);
    }

    /// <summary>q·scale: one multiply, exact where the scale is NaN (NaN) or 0 (0).</summary>
    public static float FromInt8(sbyte q, float scale) => q * scale;
}
