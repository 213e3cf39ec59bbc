namespace CrsIlgpu.Kernels.Sampling;

/// <summary>y[t, :] = scale_t · x[idx_t, :], written plainly; an out-of-range index gives a zero row.</summary>
public static class RowGatherReference
{
    public static void Gather(ReadOnlySpan<float> x, ReadOnlySpan<int> indices, ReadOnlySpan<float> scales, Span<float> y, int rows, int cols)
    {
        for (var t = 0; t < indices.Length; t++)
            for (var c = 0; c < cols; c++)
                y[t * cols + c] = indices[t] >= 0 && indices[t] < rows ? scales[t] * x[indices[t] * cols + c] : 0f;
    }
}
