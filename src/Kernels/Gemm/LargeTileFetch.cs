using System.Runtime.CompilerServices;
using CrsIlgpu.Kernels.Sampling;

namespace CrsIlgpu.Kernels.Gemm;

/// <summary>
/// One thread's global loads in the 128×128×8 tile loops of <see cref="GemmLargeKernels"/> and
/// <see cref="GemmTf32Kernels"/>: per K-step one quad of the 128×8 A tile and one of the 8×128 B
/// tile, fetched before the loop and for the next step inside it. An operand stored K-contiguous
/// (A in NN/NT, B in NT) is read at row tid/2, k-quad (tid%2)·4 (<see cref="LoadRowK"/>,
/// <see cref="LoadQuadK"/>); one stored M/N-contiguous at k row tid/32, quad (tid%32)·4
/// (<see cref="LoadRowMn"/>, <see cref="LoadQuadMn"/>). The flags are literals at every kernel
/// entry, so after inlining ILGPU folds the branches.
/// Sampled: the WTA-CRS sampled TN GEMM (<see cref="SampledGemmLargeKernels"/>): K runs over samples
/// t; A and B rows are read at idx_t (B at row t when not gathered, the pre-sampled form), A scaled by
/// scale_t when gathered, and an index outside [0, rows) contributes nothing. Both operands are
/// K-major there, so one index fetch per thread and K-step serves the A and the B quad.
/// </summary>
internal readonly struct LargeTileFetch
{
    public readonly int LoadRowK;
    public readonly int LoadQuadK;
    public readonly int LoadRowMn;
    public readonly int LoadQuadMn;

    private readonly ArrayView<float> _a, _b, _scales;
    private readonly ArrayView<Quad> _a4, _b4;
    private readonly ArrayView<int> _indices;
    private readonly long _offA, _offB, _offS;
    private readonly int _m0, _n0, _m, _n, _k, _rows;
    private readonly bool _vecA, _vecB, _transA, _transB, _sampled, _gathered;

    /// <summary>Thread <paramref name="tid"/> of the group whose tile starts at row m0 and column n0 of C, in batch entry <paramref name="batch"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public LargeTileFetch(
        ArrayView<float> a, ArrayView<float> b, int tid, int m0, int n0, int m, int n, int k, long batch, long strideA, long strideB, int vector,
        bool transA, bool transB, ArrayView<int> indices, ArrayView<float> scales, long strideSamples, int rows, bool sampled, bool gathered)
    {
        _offA = batch * strideA;
        _offB = batch * strideB;
        _offS = batch * strideSamples;
        _vecA = (vector & GemmLargeKernels.VectorA) != 0;
        _vecB = (vector & GemmLargeKernels.VectorB) != 0;
        // Quad views are only indexed when the matching flag says the float view is 16-byte aligned.
        _a = a;
        _b = b;
        _a4 = a.Cast<Quad>();
        _b4 = b.Cast<Quad>();
        _indices = indices;
        _scales = scales;
        _m0 = m0;
        _n0 = n0;
        _m = m;
        _n = n;
        _k = k;
        _rows = rows;
        _transA = transA;
        _transB = transB;
        _sampled = sampled;
        _gathered = gathered;
        LoadRowK = tid >> 1;
        LoadQuadK = (tid & 1) * 4;
        LoadRowMn = tid >> 5;
        LoadQuadMn = (tid & 31) * 4;
    }

    /// <summary>The K index (sample t, in the sampled GEMM) of this thread's A and B quads in the K-step at <paramref name="k0"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int SampleOf(int k0) => k0 + LoadRowMn;

    /// <summary>The source row idx_t of sample <paramref name="t"/> (-1 past this group's samples or out of range) when sampled; 0 when dense.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int Source(int t) => _sampled ? SampledGemmKernels.SampleRow(_indices, _offS, t, _k, _rows) : 0;

    /// <summary>This thread's A quad of the K-step at <paramref name="k0"/> (sample t, row source); past the end of K, zeros without touching memory.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Quad A(int k0, int t, int source) => _sampled ? SampledA(source, t) : FetchA(k0);

    /// <summary>This thread's B quad of the K-step at <paramref name="k0"/> (as <see cref="A"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Quad B(int k0, int t, int source) => _sampled ? SampledB(source, t) : FetchB(k0);

    /// <summary>This thread's quad of the A tile at k0 (4 consecutive k of one row, or 4 consecutive rows of one k).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private Quad FetchA(int k0) =>
        _transA
            // A stored K×M: row k0 + loadRowMn, columns m0 + loadQuadMn...
            ? FetchQuad(_a, _a4, _offA, k0 + LoadRowMn, _k, _m0 + LoadQuadMn, _m, _m, _vecA)
            // A stored M×K: row m0 + loadRowK, columns k0 + loadQuadK...
            : FetchQuad(_a, _a4, _offA, _m0 + LoadRowK, _m, k0 + LoadQuadK, _k, _k, _vecA);

    /// <summary>This thread's quad of the B tile at k0 (as <see cref="FetchA"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private Quad FetchB(int k0) =>
        _transB
            // B stored N×K.
            ? FetchQuad(_b, _b4, _offB, _n0 + LoadRowK, _n, k0 + LoadQuadK, _k, _k, _vecB)
            // B stored K×N.
            : FetchQuad(_b, _b4, _offB, k0 + LoadRowMn, _k, _n0 + LoadQuadMn, _n, _n, _vecB);

    /// <summary>Sample t's A quad: row <paramref name="row"/> (= idx_t, or -1 to skip) of A [rows, M], times scale_t when gathered.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private Quad SampledA(int row, int t)
    {
        if (row < 0)
            return default;
        Quad v = FetchQuad(_a, _a4, _offA, row, _rows, _m0 + LoadQuadMn, _m, _m, _vecA);
        if (!_gathered)
            return v;
        float s = _scales[_offS + t];
        return new Quad(s * v.X, s * v.Y, s * v.Z, s * v.W);
    }

    /// <summary>Sample t's B quad: row idx_t of B [rows, N] when gathered, row t of the pre-sampled B [K, N] otherwise.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private Quad SampledB(int row, int t)
    {
        int col = _n0 + LoadQuadMn;
        if (!_gathered)
            return FetchQuad(_b, _b4, _offB, t, _k, col, _n, _n, _vecB); // zero past the last sample; a skipped sample has A = 0
        return row < 0 ? default : FetchQuad(_b, _b4, _offB, row, _rows, col, _n, _n, _vecB);
    }

    /// <summary>
    /// x[off + row·ld + col + j] for j = 0..3, zero outside rows × cols. One 128-bit load when the
    /// matrix is aligned (<paramref name="vec"/>; col is a multiple of 4 here) and the quad is
    /// inside; otherwise up to 4 bounds-checked scalar loads.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Quad FetchQuad(ArrayView<float> x, ArrayView<Quad> x4, long off, int row, int rows, int col, int cols, int ld, bool vec)
    {
        if (row >= rows)
            return default;
        long i = off + (long)row * ld + col;
        if (vec && col + 4 <= cols)
            return x4[i >> 2];
        return new Quad(
            col < cols ? x[i] : 0f,
            col + 1 < cols ? x[i + 1] : 0f,
            col + 2 < cols ? x[i + 2] : 0f,
            col + 3 < cols ? x[i + 3] : 0f);
    }
}
