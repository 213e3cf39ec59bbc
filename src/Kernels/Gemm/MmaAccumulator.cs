using System.Runtime.CompilerServices;
using ILGPU.Runtime.Cuda;

namespace CrsIlgpu.Kernels.Gemm;

/// <summary>
/// One lane's share of a warp's 64×32 output tile in the TF32 GEMM: 4 × 4 tiles of m16n8, tile
/// (i, j) covering rows 16i..16i+15 and columns 8j..8j+7 of the warp tile, each held as the
/// mma's C/D fragment (c0..c3 in a <see cref="Quad"/>; see <see cref="WarpMma"/>). 64 scalar floats
/// in named fields, returned by value, so ILGPU keeps them in registers (loop unrolling is off in
/// ILGPU 1.5.3: an array would live in local memory).
/// </summary>
internal readonly struct MmaAccumulator
{
    public readonly Quad T00, T01, T02, T03;
    public readonly Quad T10, T11, T12, T13;
    public readonly Quad T20, T21, T22, T23;
    public readonly Quad T30, T31, T32, T33;

    internal MmaAccumulator(
        Quad t00, Quad t01, Quad t02, Quad t03,
        Quad t10, Quad t11, Quad t12, Quad t13,
        Quad t20, Quad t21, Quad t22, Quad t23,
        Quad t30, Quad t31, Quad t32, Quad t33)
    {
        T00 = t00; T01 = t01; T02 = t02; T03 = t03;
        T10 = t10; T11 = t11; T12 = t12; T13 = t13;
        T20 = t20; T21 = t21; T22 = t22; T23 = t23;
        T30 = t30; T31 = t31; T32 = t32; T33 = t33;
    }

    /// <summary>
    /// One k8 step: A fragments of the four m16 tiles (a0..a3 each), B fragments (b0, b1) of the four
    /// n8 tiles; 16 mma.sync, each fragment reused across a row or column of tiles. Without PTX, the
    /// emulation of those 16 instructions: each lane gathers from the 12 lanes that own what its
    /// outputs need (as <see cref="WarpMma"/> does for one mma) all four tiles' fragments at once,
    /// 12 shuffles instead of 16 × 12 (the CPU accelerator pays several thread barriers per
    /// shuffle), and computes each tile with the same <see cref="WarpMma.Product"/>: bit for bit
    /// the 16 single-mma emulations (a test checks).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public MmaAccumulator Step(
        Quad a0, Quad a1, Quad a2, Quad a3,
        float b00, float b01, float b10, float b11, float b20, float b21, float b30, float b31)
    {
        if (CudaAsm.IsSupported)
            return StepOneByOne(a0, a1, a2, a3, b00, b01, b10, b11, b20, b21, b30, b31);
        return Emulate(new AFragments(a0, a1, a2, a3), new BFragments(new(b00, b01), new(b10, b11), new(b20, b21), new(b30, b31)), Warp.LaneIdx);
    }

    /// <summary>The step as 16 separate <see cref="WarpMma.Mma"/> (the PTX path; on the CPU, 16 single-mma emulations).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal MmaAccumulator StepOneByOne(
        Quad a0, Quad a1, Quad a2, Quad a3,
        float b00, float b01, float b10, float b11, float b20, float b21, float b30, float b31) =>
        new(
            WarpMma.Mma(T00, a0, b00, b01), WarpMma.Mma(T01, a0, b10, b11), WarpMma.Mma(T02, a0, b20, b21), WarpMma.Mma(T03, a0, b30, b31),
            WarpMma.Mma(T10, a1, b00, b01), WarpMma.Mma(T11, a1, b10, b11), WarpMma.Mma(T12, a1, b20, b21), WarpMma.Mma(T13, a1, b30, b31),
            WarpMma.Mma(T20, a2, b00, b01), WarpMma.Mma(T21, a2, b10, b11), WarpMma.Mma(T22, a2, b20, b21), WarpMma.Mma(T23, a2, b30, b31),
            WarpMma.Mma(T30, a3, b00, b01), WarpMma.Mma(T31, a3, b10, b11), WarpMma.Mma(T32, a3, b20, b21), WarpMma.Mma(T33, a3, b30, b31));

    /// <summary>
    /// The emulation of one step's 16 mma. What lane (g, t) needs: the A fragments of lanes 4g..4g+3
    /// (rows g and g + 8 of every m16 tile over k = 0..7) and the B fragments of lanes 8t..8t+3 and
    /// 8t+4..8t+7 (columns 2t and 2t + 1 of every n8 tile). Gathered with 4 shuffles: two rounds of
    /// exchanges within the 4-lane group (lane ^ 1, then lane ^ 2) give every lane its whole
    /// group's fragments, in lane order; then the B part of groups 2t and 2t + 1 is read from one
    /// lane of each. Lane 4g' + kk's fragments end up exactly where a direct shuffle from that lane
    /// would put them (the single-mma emulation shuffles each of the 12 directly).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal MmaAccumulator Emulate(AFragments a, BFragments b, int lane)
    {
        var own = new LaneFragments(a, b);
        var other = Warp.Shuffle(own, lane ^ 1);
        var pair = (lane & 1) == 0 ? new Both<LaneFragments>(own, other) : new Both<LaneFragments>(other, own);
        var otherPair = Warp.Shuffle(pair, lane ^ 2);
        var group = (lane & 2) == 0 ? new Both<Both<LaneFragments>>(pair, otherPair) : new Both<Both<LaneFragments>>(otherPair, pair);
        var groupB = new Both<Both<BFragments>>(
            new Both<BFragments>(group.Lo.Lo.B, group.Lo.Hi.B),
            new Both<BFragments>(group.Hi.Lo.B, group.Hi.Hi.B));
        var evenB = Warp.Shuffle(groupB, 8 * (lane & 3));
        var oddB = Warp.Shuffle(groupB, 8 * (lane & 3) + 4);

        AFragments r0 = group.Lo.Lo.A, r1 = group.Lo.Hi.A, r2 = group.Hi.Lo.A, r3 = group.Hi.Hi.A;
        BFragments e0 = evenB.Lo.Lo, e1 = evenB.Lo.Hi, e2 = evenB.Hi.Lo, e3 = evenB.Hi.Hi;
        BFragments o0 = oddB.Lo.Lo, o1 = oddB.Lo.Hi, o2 = oddB.Hi.Lo, o3 = oddB.Hi.Hi;
        return new(
            WarpMma.Product(T00, r0.A0, r1.A0, r2.A0, r3.A0, e0.B0, e1.B0, e2.B0, e3.B0, o0.B0, o1.B0, o2.B0, o3.B0),
            WarpMma.Product(T01, r0.A0, r1.A0, r2.A0, r3.A0, e0.B1, e1.B1, e2.B1, e3.B1, o0.B1, o1.B1, o2.B1, o3.B1),
            WarpMma.Product(T02, r0.A0, r1.A0, r2.A0, r3.A0, e0.B2, e1.B2, e2.B2, e3.B2, o0.B2, o1.B2, o2.B2, o3.B2),
            WarpMma.Product(T03, r0.A0, r1.A0, r2.A0, r3.A0, e0.B3, e1.B3, e2.B3, e3.B3, o0.B3, o1.B3, o2.B3, o3.B3),
            WarpMma.Product(T10, r0.A1, r1.A1, r2.A1, r3.A1, e0.B0, e1.B0, e2.B0, e3.B0, o0.B0, o1.B0, o2.B0, o3.B0),
            WarpMma.Product(T11, r0.A1, r1.A1, r2.A1, r3.A1, e0.B1, e1.B1, e2.B1, e3.B1, o0.B1, o1.B1, o2.B1, o3.B1),
            WarpMma.Product(T12, r0.A1, r1.A1, r2.A1, r3.A1, e0.B2, e1.B2, e2.B2, e3.B2, o0.B2, o1.B2, o2.B2, o3.B2),
            WarpMma.Product(T13, r0.A1, r1.A1, r2.A1, r3.A1, e0.B3, e1.B3, e2.B3, e3.B3, o0.B3, o1.B3, o2.B3, o3.B3),
            WarpMma.Product(T20, r0.A2, r1.A2, r2.A2, r3.A2, e0.B0, e1.B0, e2.B0, e3.B0, o0.B0, o1.B0, o2.B0, o3.B0),
            WarpMma.Product(T21, r0.A2, r1.A2, r2.A2, r3.A2, e0.B1, e1.B1, e2.B1, e3.B1, o0.B1, o1.B1, o2.B1, o3.B1),
            WarpMma.Product(T22, r0.A2, r1.A2, r2.A2, r3.A2, e0.B2, e1.B2, e2.B2, e3.B2, o0.B2, o1.B2, o2.B2, o3.B2),
            WarpMma.Product(T23, r0.A2, r1.A2, r2.A2, r3.A2, e0.B3, e1.B3, e2.B3, e3.B3, o0.B3, o1.B3, o2.B3, o3.B3),
            WarpMma.Product(T30, r0.A3, r1.A3, r2.A3, r3.A3, e0.B0, e1.B0, e2.B0, e3.B0, o0.B0, o1.B0, o2.B0, o3.B0),
            WarpMma.Product(T31, r0.A3, r1.A3, r2.A3, r3.A3, e0.B1, e1.B1, e2.B1, e3.B1, o0.B1, o1.B1, o2.B1, o3.B1),
            WarpMma.Product(T32, r0.A3, r1.A3, r2.A3, r3.A3, e0.B2, e1.B2, e2.B2, e3.B2, o0.B2, o1.B2, o2.B2, o3.B2),
            WarpMma.Product(T33, r0.A3, r1.A3, r2.A3, r3.A3, e0.B3, e1.B3, e2.B3, e3.B3, o0.B3, o1.B3, o2.B3, o3.B3));
    }

    /// <summary>Everything one lane holds for a step: its A and B fragments.</summary>
    internal readonly struct LaneFragments(AFragments a, BFragments b)
    {
        public readonly AFragments A = a;
        public readonly BFragments B = b;
    }

    /// <summary>Two lanes' values, the lower lane first.</summary>
    internal readonly struct Both<T>(T lo, T hi)
        where T : unmanaged
    {
        public readonly T Lo = lo, Hi = hi;
    }

    /// <summary>A lane's A fragments of the four m16 tiles, shuffled as one value.</summary>
    internal readonly struct AFragments(Quad a0, Quad a1, Quad a2, Quad a3)
    {
        public readonly Quad A0 = a0, A1 = a1, A2 = a2, A3 = a3;
    }

    /// <summary>A lane's B fragments (b0, b1) of the four n8 tiles, shuffled as one value.</summary>
    internal readonly struct BFragments(WarpMma.Pair b0, WarpMma.Pair b1, WarpMma.Pair b2, WarpMma.Pair b3)
    {
        public readonly WarpMma.Pair B0 = b0, B1 = b1, B2 = b2, B3 = b3;
    }
}
