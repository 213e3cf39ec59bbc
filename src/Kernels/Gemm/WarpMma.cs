using System.Runtime.CompilerServices;
using ILGPU.Runtime.Cuda;

namespace CrsIlgpu.Kernels.Gemm;

/// <summary>
/// One warp-wide mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32: D (16×8) = A (16×8) · B (8×8)
/// + C, FP32 accumulate, every operand spread over the 32 lanes as the PTX ISA's "Matrix Fragments
/// for mma.m16n8k8" (.tf32 A and B, .f32 C/D) lays it out. With groupID g = lane >> 2 and
/// threadID_in_group t = lane &amp; 3, a lane holds
/// <list type="bullet">
/// <item>A: a0 = (g, t), a1 = (g + 8, t), a2 = (g, t + 4), a3 = (g + 8, t + 4) — <see cref="Quad"/> X, Y, Z, W;</item>
/// <item>B: b0 = (k = t, n = g), b1 = (k = t + 4, n = g);</item>
/// <item>C and D: c0 = (g, 2t), c1 = (g, 2t + 1), c2 = (g + 8, 2t), c3 = (g + 8, 2t + 1) — Quad X, Y, Z, W.</item>
/// </list>
/// On the PTX backend it is the instruction itself (A and B must already be TF32 values: the
/// tensor core ignores the low 13 mantissa bits; see <see cref="Tf32.RoundOnDevice"/>). Elsewhere
/// (the CPU accelerator) each lane gathers what its four outputs need from the lanes that own
/// those fragments with <see cref="Warp.Shuffle{T}(T, int)"/> and multiplies in C#, so a kernel
/// that loads a fragment into the wrong lane or register computes a wrong product in CPU tests,
/// as it would on the GPU. All 32 lanes of the warp must call it together (as mma.sync requires).
/// </summary>
internal static class WarpMma
{
    public const int M = 16;
    public const int N = 8;
    public const int K = 8;

    public const string Instruction =
        "mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, {%0,%1,%2,%3};";

    /// <summary>D = A·B + C for this lane's fragments: returns (d0, d1, d2, d3).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Quad Mma(Quad c, Quad a, float b0, float b1)
    {
        if (CudaAsm.IsSupported)
        {
            Ref<float> d0 = c.X, d1 = c.Y, d2 = c.Z, d3 = c.W;
            Input<uint> a0 = Interop.FloatAsInt(a.X), a1 = Interop.FloatAsInt(a.Y), a2 = Interop.FloatAsInt(a.Z), a3 = Interop.FloatAsInt(a.W);
            Input<uint> bb0 = Interop.FloatAsInt(b0), bb1 = Interop.FloatAsInt(b1);
            CudaAsm.EmitRef(Instruction, ref d0, ref d1, ref d2, ref d3, ref a0, ref a1, ref a2, ref a3, ref bb0, ref bb1);
            return new Quad(d0.Value, d1.Value, d2.Value, d3.Value);
        }
        return Emulate(c, a, new Pair(b0, b1), Warp.LaneIdx);
    }

    /// <summary>
    /// The warp-level product from fragments alone. Lane (g, t) needs rows g and g + 8 of A and
    /// columns 2t and 2t + 1 of B over k = 0..7. Row r of A at k &lt; 4 lives in lane 4r' + k as
    /// a0/a1 (r = r' or r' + 8), at k ≥ 4 in lane 4r' + k − 4 as a2/a3; column n of B at k &lt; 4
    /// lives in lane 4n + k as b0, at k ≥ 4 in lane 4n + k − 4 as b1. So for each kk = 0..3 a lane
    /// reads the A quad of lane 4g + kk and the B pairs of lanes 4·2t + kk and 4·(2t+1) + kk:
    /// 12 shuffles, then <see cref="Product"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Quad Emulate(Quad c, Quad a, Pair b, int lane)
    {
        int rowLane = 4 * (lane >> 2);
        int colLane = 8 * (lane & 3);
        return Product(
            c,
            Warp.Shuffle(a, rowLane), Warp.Shuffle(a, rowLane + 1), Warp.Shuffle(a, rowLane + 2), Warp.Shuffle(a, rowLane + 3),
            Warp.Shuffle(b, colLane), Warp.Shuffle(b, colLane + 1), Warp.Shuffle(b, colLane + 2), Warp.Shuffle(b, colLane + 3),
            Warp.Shuffle(b, colLane + 4), Warp.Shuffle(b, colLane + 5), Warp.Shuffle(b, colLane + 6), Warp.Shuffle(b, colLane + 7));
    }

    /// <summary>
    /// The arithmetic of the emulation, from what a lane gathered: rows<c>kk</c> = the A fragment of
    /// lane 4g + kk (A[g][kk], A[g+8][kk], A[g][kk+4], A[g+8][kk+4]), even<c>kk</c> / odd<c>kk</c> =
    /// the B fragments of lanes 4·2t + kk / 4·(2t+1) + kk (B[kk][n], B[kk+4][n] for n = 2t / 2t + 1).
    /// Products of TF32 values are exact in fp32; they are summed in k order over 0..3 and over
    /// 4..7, the halves added, then C (the hardware's internal order is not specified; the tests'
    /// tolerance covers any order).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Quad Product(
        Quad c, Quad rows0, Quad rows1, Quad rows2, Quad rows3,
        Pair even0, Pair even1, Pair even2, Pair even3, Pair odd0, Pair odd1, Pair odd2, Pair odd3)
    {
        float lo0 = rows0.X * even0.X + rows1.X * even1.X + rows2.X * even2.X + rows3.X * even3.X;
        float lo1 = rows0.X * odd0.X + rows1.X * odd1.X + rows2.X * odd2.X + rows3.X * odd3.X;
        float lo2 = rows0.Y * even0.X + rows1.Y * even1.X + rows2.Y * even2.X + rows3.Y * even3.X;
        float lo3 = rows0.Y * odd0.X + rows1.Y * odd1.X + rows2.Y * odd2.X + rows3.Y * odd3.X;
        float hi0 = rows0.Z * even0.Y + rows1.Z * even1.Y + rows2.Z * even2.Y + rows3.Z * even3.Y;
        float hi1 = rows0.Z * odd0.Y + rows1.Z * odd1.Y + rows2.Z * odd2.Y + rows3.Z * odd3.Y;
        float hi2 = rows0.W * even0.Y + rows1.W * even1.Y + rows2.W * even2.Y + rows3.W * even3.Y;
        float hi3 = rows0.W * odd0.Y + rows1.W * odd1.Y + rows2.W * odd2.Y + rows3.W * odd3.Y;
        return new Quad(c.X + (lo0 + hi0), c.Y + (lo1 + hi1), c.Z + (lo2 + hi2), c.W + (lo3 + hi3));
    }

    /// <summary>A lane's B fragment (b0, b1), shuffled as one value.</summary>
    internal readonly struct Pair
    {
        public readonly float X;
        public readonly float Y;

        public Pair(float x, float y)
        {
            X = x;
            Y = y;
        }
    }
}
