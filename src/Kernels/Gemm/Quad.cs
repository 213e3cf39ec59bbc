using System.Runtime.CompilerServices;

namespace CrsIlgpu.Kernels.Gemm;

/// <summary>
/// Four scalars; ILGPU scalarises struct locals, so these live in registers. As a 16-byte element
/// of a view (view.Cast&lt;Quad&gt;(), SharedMemory.Allocate&lt;Quad&gt;) it gives 128-bit ld/st.v4.f32.
/// </summary>
internal readonly struct Quad
{
    public readonly float X;
    public readonly float Y;
    public readonly float Z;
    public readonly float W;

    public Quad(float x, float y, float z, float w)
    {
        X = x;
        Y = y;
        Z = z;
        W = w;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Quad MulAdd(Quad acc, float a, Quad b) =>
        new(acc.X + a * b.X, acc.Y + a * b.Y, acc.Z + a * b.Z, acc.W + a * b.W);
}
