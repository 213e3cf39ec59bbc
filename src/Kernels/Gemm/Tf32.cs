using System.Runtime.CompilerServices;
using ILGPU.Runtime.Cuda;

namespace CrsIlgpu.Kernels.Gemm;

/// <summary>
/// TF32: fp32's sign and 8-bit exponent with a 10-bit mantissa (the tensor cores' input format).
/// Rounding is cvt.rna.tf32.f32's: to nearest, ties away from zero, kept in an fp32 bit pattern
/// whose low 13 bits are zero. The same arithmetic serves the kernels' CPU path and the reference.
/// </summary>
public static class Tf32
{
    /// <summary>Mantissa bits TF32 keeps (fp32 has 23).</summary>
    public const int MantissaBits = 10;

    /// <summary>
    /// Relative rounding error bound of one TF32 rounding: half an ulp, 2^-(10+1) = 2^-11.
    /// </summary>
    public const double UnitRoundoff = 1.0 / (1 << (MantissaBits + 1));

    private const uint DroppedBits = (1u << (23 - MantissaBits)) - 1;   // 0x1FFF
    private const uint Half = 1u << (23 - MantissaBits - 1);           // 0x1000

    /// <summary>
    /// Rounds to TF32 in C#: add half of the dropped range to the magnitude bits and clear them
    /// (a carry into the exponent is the correct round-up, up to infinity). NaN and infinity pass
    /// through unchanged.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Round(float x)
    {
        uint bits = Interop.FloatAsInt(x);
        if ((bits & 0x7F800000u) == 0x7F800000u)
            return x;
        return Interop.IntAsFloat((bits + Half) & ~DroppedBits);
    }

    /// <summary>
    /// The rounding inside a kernel: cvt.rna.tf32.f32 on the PTX backend (compile-time branch:
    /// <see cref="CudaAsm.IsSupported"/> is a constant per backend), <see cref="Round"/> elsewhere.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static float RoundOnDevice(float x)
    {
        if (CudaAsm.IsSupported)
        {
            CudaAsm.Emit("cvt.rna.tf32.f32 %0, %1;", out uint bits, x);
            return Interop.IntAsFloat(bits);
        }
        return Round(x);
    }

    /// <summary>Rounds every element of a span in place (inputs of the TF32 reference).</summary>
    public static void RoundInPlace(Span<float> values)
    {
        for (int i = 0; i < values.Length; i++)
            values[i] = Round(values[i]);
    }
}
