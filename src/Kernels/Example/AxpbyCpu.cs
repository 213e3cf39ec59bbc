using System.Numerics.Tensors;

namespace CrsIlgpu.Kernels.Example;

/// <summary>
/// CPU backend of y = α·x + β·y: two vectorized passes (y ← β·y, then y ← α·x + y). A single fused
/// loop would save one read of y, but this op is bandwidth-bound either way and TensorPrimitives
/// already uses AVX-512 where present.
/// </summary>
public static class AxpbyCpu
{
    public static void Run(ReadOnlySpan<float> x, Span<float> y, float alpha, float beta)
    {
        TensorPrimitives.Multiply(y, beta, y);
        TensorPrimitives.MultiplyAdd(x, alpha, y, y);
    }
}
