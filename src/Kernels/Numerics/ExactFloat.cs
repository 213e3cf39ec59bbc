using System.Runtime.CompilerServices;
using ILGPU.Runtime.Cuda;

namespace CrsIlgpu.Kernels.Numerics;

/// <summary>
/// An fp32 product that no GPU compiler may fuse into an add, for kernels whose results must be the
/// C# reference's bits (docs/ARCHITECTURE.md, "FMA contraction"). ILGPU 1.5.3 writes a*b as mul.f32,
/// and the PTX spec lets ptxas and the driver's JIT contract a mul without a rounding modifier with
/// the add that consumes it (one FFMA, one rounding fewer: a result an ulp away from .NET's, which
/// never contracts). mul.rn.f32 rounds to nearest even like the plain form but is "treated
/// conservatively by the code optimizer": never contracted. Contraction needs a plain mul, so a
/// kernel whose every product goes through here is exact with plain adds and subtracts (divisions and
/// square roots are div.rn / sqrt.rn, IEEE-rounded). The driver's cuModuleLoadDataEx takes no -fmad
/// option, so the guarantee has to be in the PTX text itself.
/// </summary>
public static class ExactFloat
{
    /// <summary>
    /// a·b rounded once to nearest even, never fused: inline mul.rn.f32 on the PTX backend
    /// (<see cref="CudaAsm.IsSupported"/> is a constant per backend), the plain operator on the CPU
    /// accelerator and in C#, so CPU bits are what they were.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Mul(float a, float b)
    {
        if (CudaAsm.IsSupported)
        {
            CudaAsm.Emit("mul.rn.f32 %0, %1, %2;", out float product, a, b);
            return product;
        }
        return a * b;
    }
}
