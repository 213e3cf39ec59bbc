using System.Numerics.Tensors;

namespace CrsIlgpu.Kernels.Elementwise;

/// <summary>CPU backend: TensorPrimitives is already vectorized (AVX-512 where present); these ops are bandwidth-bound.</summary>
public static class ElementwiseCpu
{
    public static void Add(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> y) => TensorPrimitives.Add(a, b, y);

    public static void Accumulate(ReadOnlySpan<float> x, Span<float> y) => TensorPrimitives.Add(x, y, y);
}
