using System.Runtime.CompilerServices;

namespace CrsIlgpu.Kernels.Gemm;

/// <summary>The GEMM epilogue every kernel shares: c[i] = alpha · acc + beta · c[i], C read only when beta ≠ 0 (it may hold NaN).</summary>
internal static class GemmStore
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Scaled(ArrayView<float> c, long i, float acc, float alpha, float beta)
    {
        float v = alpha * acc;
        if (beta != 0f)
            v += beta * c[i];
        c[i] = v;
    }
}
