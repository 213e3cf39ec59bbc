namespace CrsIlgpu.Kernels.Runtime;

/// <summary>Shape checks every op runs before launching: the message names the op and both shapes.</summary>
public static class OpCheck
{
    public static void SameShape(string op, Tensor a, Tensor b)
    {
        if (!a.Shape.SequenceEqual(b.Shape))
            throw new ArgumentException($"{op}: shape mismatch between '{a.Label}' {a.ShapeText} and '{b.Label}' {b.ShapeText}");
    }

    /// <summary>Requires <paramref name="t"/> to have exactly <paramref name="shape"/>.</summary>
    public static void Shape(string op, Tensor t, params int[] shape)
    {
        if (!t.Shape.SequenceEqual(shape))
            throw new ArgumentException($"{op}: '{t.Label}' has shape {t.ShapeText}, expected [{string.Join(", ", shape)}]");
    }

    public static void That(string op, bool condition, string detail)
    {
        if (!condition)
            throw new ArgumentException($"{op}: {detail}");
    }
}
