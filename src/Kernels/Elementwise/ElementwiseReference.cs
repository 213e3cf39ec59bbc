namespace CrsIlgpu.Kernels.Elementwise;

/// <summary>Plain C# of the element-wise ops, the ground truth of the tests.</summary>
public static class ElementwiseReference
{
    public static void Add(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> y)
    {
        for (var i = 0; i < y.Length; i++)
            y[i] = a[i] + b[i];
    }

    public static void Accumulate(ReadOnlySpan<float> x, Span<float> y)
    {
        for (var i = 0; i < y.Length; i++)
            y[i] += x[i];
    }
}
