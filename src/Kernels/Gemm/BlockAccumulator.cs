using System.Runtime.CompilerServices;

namespace CrsIlgpu.Kernels.Gemm;

/// <summary>
/// One thread's 8×8 block of a 128×128 output tile: rows r0..r0+3 and r0+64..r0+67, columns
/// c0..c0+3 and c0+64..c0+67 (Lo = first column quad, Hi = second). 64 scalar floats in 16
/// <see cref="Quad"/> fields, returned by value, so ILGPU keeps them in registers (loop unrolling
/// is off in ILGPU 1.5.3, so an array here would live in local memory).
/// </summary>
internal readonly struct BlockAccumulator
{
    public readonly Quad R0Lo, R0Hi, R1Lo, R1Hi, R2Lo, R2Hi, R3Lo, R3Hi;
    public readonly Quad R4Lo, R4Hi, R5Lo, R5Hi, R6Lo, R6Hi, R7Lo, R7Hi;

    private BlockAccumulator(
        Quad r0Lo, Quad r0Hi, Quad r1Lo, Quad r1Hi, Quad r2Lo, Quad r2Hi, Quad r3Lo, Quad r3Hi,
        Quad r4Lo, Quad r4Hi, Quad r5Lo, Quad r5Hi, Quad r6Lo, Quad r6Hi, Quad r7Lo, Quad r7Hi)
    {
        R0Lo = r0Lo; R0Hi = r0Hi; R1Lo = r1Lo; R1Hi = r1Hi; R2Lo = r2Lo; R2Hi = r2Hi; R3Lo = r3Lo; R3Hi = r3Hi;
        R4Lo = r4Lo; R4Hi = r4Hi; R5Lo = r5Lo; R5Hi = r5Hi; R6Lo = r6Lo; R6Hi = r6Hi; R7Lo = r7Lo; R7Hi = r7Hi;
    }

    /// <summary>
    /// One k of the outer product: a0/a1 are the A values of rows r0..r0+3 / r0+64..r0+67, b0/b1
    /// the B values of the two column quads. 64 multiply-adds: ILGPU 1.5.3 has no FMA intrinsic
    /// and writes each as mul.f32 + add.f32; ptxas (and the driver's JIT) contract every such pair
    /// into one FFMA (--fmad=true is their default). Inline PTX fma.rn.f32 through CudaAsm was
    /// tried: its out operand goes through a .local slot in ILGPU's PTX.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public BlockAccumulator Step(Quad a0, Quad a1, Quad b0, Quad b1) =>
        new(
            Quad.MulAdd(R0Lo, a0.X, b0), Quad.MulAdd(R0Hi, a0.X, b1),
            Quad.MulAdd(R1Lo, a0.Y, b0), Quad.MulAdd(R1Hi, a0.Y, b1),
            Quad.MulAdd(R2Lo, a0.Z, b0), Quad.MulAdd(R2Hi, a0.Z, b1),
            Quad.MulAdd(R3Lo, a0.W, b0), Quad.MulAdd(R3Hi, a0.W, b1),
            Quad.MulAdd(R4Lo, a1.X, b0), Quad.MulAdd(R4Hi, a1.X, b1),
            Quad.MulAdd(R5Lo, a1.Y, b0), Quad.MulAdd(R5Hi, a1.Y, b1),
            Quad.MulAdd(R6Lo, a1.Z, b0), Quad.MulAdd(R6Hi, a1.Z, b1),
            Quad.MulAdd(R7Lo, a1.W, b0), Quad.MulAdd(R7Hi, a1.W, b1));
}
