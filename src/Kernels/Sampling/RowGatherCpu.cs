using System.Numerics.Tensors;

namespace CrsIlgpu.Kernels.Sampling;

/// <summary>CPU backend of the scaled row gather: one vectorized scale per row.</summary>
public static class RowGatherCpu
{
    public static void Gather(ReadOnlySpan<float> x, ReadOnlySpan<int> indices, ReadOnlySpan<float> scales, Span<float> y, int rows, int cols)
    {
        for (var t = 0; t < indices.Length; t++)
        {
            var target = y.Slice(t * cols, cols);
            var row = indices[t];
            if (row >= 0 && row < rows)
                TensorPrimitives.Multiply(x.Slice(row * cols, cols), scales[t], target);
            else
                target.Clear();
        }
    }
}
