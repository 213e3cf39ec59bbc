namespace CrsIlgpu.Kernels.Example;

/// <summary>Plain C# of y = α·x + β·y, the ground truth the kernel and the CPU backend are checked against.</summary>
public static class AxpbyReference
{
    public static void Run(ReadOnlySpan<float> x, Span<float> y, float alpha, float beta)
    {
        for (var i = 0; i < y.Length; i++)
            y[i] = alpha * x[i] + beta * y[i];
    }
}
