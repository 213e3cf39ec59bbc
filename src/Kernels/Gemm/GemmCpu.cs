using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace CrsIlgpu.Kernels.Gemm;

/// <summary>
/// Fast CPU GEMM (BLIS-style). B is packed into k-contiguous panels of NR = 32 columns, A into
/// panels of MR = 8 rows; packing absorbs the layouts and zero-pads edges, so one register-blocked
/// micro-kernel (8×32 accumulators = 16 Vector512) handles every case. K is blocked by KC so the
/// B micro-panel stays in L1, M by MC so the packed A block stays in L2. Many small batch entries
/// run one per core; large ones are shared: B is packed once per block by all cores, then
/// (row block × column chunk) tasks are scheduled dynamically. A small C over a long K (the weight
/// gradients: K = the token rows) is cut into one slice of rows or columns per core instead, each
/// running the whole K loop with its own packing: no meeting per K block, and only the smaller
/// operand is packed again (once per core, not once per column chunk). Every element of C sums
/// the same K blocks in the same order on any number of cores.
/// </summary>
public static unsafe class GemmCpu
{
    internal const int MR = 8;
    internal const int NR = 32;
    internal const int KC = 256;
    internal const int MC = 128;
    internal const int NC = 1024;

    /// <summary>Below this many flops the thread hand-off costs more than it saves.</summary>
    private const double ParallelThresholdFlops = 2.0 * 96 * 96 * 96;

    /// <summary>Per-batch work below which cores take whole batch entries instead of cooperating.</summary>
    private const double CooperativeThresholdFlops = 2.0 * 128 * 128 * 128;

    /// <summary>
    /// At most this many elements of C (16 MiB; and K at least as long as M and N) take the per-core
    /// slices: every weight gradient of vit-tiny and vit-b16 (b16's fc1: 3,072 × 768).
    /// </summary>
    private const long SliceMaxElements = 1L << 22;

    /// <summary>Rows ahead that packing prefetches: the source rows are short runs far apart in memory.</summary>
    private const int PrefetchRows = 8;

    public static void Run(GemmProblem p, ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c) =>
        Run(p, a, b, c, Vector512.IsHardwareAccelerated);

    /// <summary>Same as <see cref="Run(GemmProblem, ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float})"/>; tests force the Vector256 path through
    /// here.</summary>
    internal static void Run(GemmProblem p, ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, bool useVector512)
    {
        p.Validate(a.Length, b.Length, c.Length);
        fixed (float* pa = a)
        fixed (float* pb = b)
        fixed (float* pc = c)
        {
            new Job(p, pa, pb, pc, useVector512).Execute();
        }
    }

    /// <summary>One call's state. Parallel phases read it; only the calling thread advances it.</summary>
    private sealed class Job
    {
        private readonly GemmProblem _p;
        private readonly float* _a;
        private readonly float* _b;
        private readonly float* _c;
        private readonly bool _use512;
        private readonly int _threads;

        // Cooperative-phase state (set by the calling thread between Parallel.For calls).
        private float* _batchA;
        private float* _batchB;
        private float* _batchC;
        private float* _packB;
        private int _jc;
        private int _nc;
        private int _pc;
        private int _kc;
        private int _mc;
        private int _mBlocks;
        private int _nChunks;
        private int _packChunks;

        public Job(GemmProblem p, float* a, float* b, float* c, bool use512)
        {
            _p = p;
            _a = a;
            _b = b;
            _c = c;
            _use512 = use512;
            _threads = CpuThreads.Count;
        }

        public void Execute()
        {
            GemmProblem p = _p;
            double batchFlops = p.Flops / p.Batch;
            if (_threads == 1 || p.Flops < ParallelThresholdFlops)
            {
                for (int batch = 0; batch < p.Batch; batch++)
                    RunWholeBatch(batch);
            }
            else if (p.Batch >= 4 * _threads || batchFlops < CooperativeThresholdFlops)
            {
                // Many (or small) problems: one core per batch entry, no synchronisation at all.
                Parallel.For(0, p.Batch, CpuThreads.Options, RunWholeBatch);
            }
            else if ((long)p.M * p.N <= SliceMaxElements && p.K >= Math.Max(p.M, p.N))
            {
                // Small C, long K: one slice of C per core, each over the whole K.
                for (int batch = 0; batch < p.Batch; batch++)
                    RunSlices(batch);
            }
            else
            {
                // Few large problems: all cores share one packed B block and split the rows/columns of C.
                for (int batch = 0; batch < p.Batch; batch++)
                    RunSharedBatch(batch);
            }
        }

        /// <summary>
        /// Cuts the longer of M and N into one slice per core (whole MR / NR panels, so every
        /// element lands in the same micro-tile position as on one core); each core repacks the
        /// other, smaller operand for itself.
        /// </summary>
        private void RunSlices(int batch)
        {
            GemmProblem p = _p;
            bool byColumns = p.N >= p.M;
            int slices = _threads;
            Parallel.For(0, slices, CpuThreads.Options, slice =>
            {
                (int start, int end) = PartRange(byColumns ? p.N : p.M, byColumns ? NR : MR, slice, slices);
                if (end <= start)
                    return;
                if (byColumns)
                    RunRegion(batch, 0, p.M, start, end);
                else
                    RunRegion(batch, start, end, 0, p.N);
            });
        }

        private void RunWholeBatch(int batch) => RunRegion(batch, 0, _p.M, 0, _p.N);

        /// <summary>C rows [i0, i1) × columns [j0, j1) of one batch entry over the whole K, on the calling core.</summary>
        private void RunRegion(int batch, int i0, int i1, int j0, int j1)
        {
            float[] bufA = ArrayPool<float>.Shared.Rent(MC * KC + 16);
            float[] bufB = ArrayPool<float>.Shared.Rent(KC * NC + 16);
            try
            {
                fixed (float* ra = bufA)
                fixed (float* rb = bufB)
                {
                    // 64-byte align the packed panels so every Vector512 load is one cache line.
                    float* packA = Align64(ra);
                    float* packB = Align64(rb);
                    float* a = _a + batch * _p.StrideA;
                    float* b = _b + batch * _p.StrideB;
                    float* c = _c + batch * _p.StrideC;
                    for (int jc = j0; jc < j1; jc += NC)
                    {
                        int nc = Math.Min(NC, j1 - jc);
                        for (int pc = 0; pc < _p.K; pc += KC)
                        {
                            int kc = Math.Min(KC, _p.K - pc);
                            PackBRange(packB, b, jc, nc, pc, kc);
                            for (int ic = i0; ic < i1; ic += MC)
                                Block(packA, packB, a, c, ic, Math.Min(MC, i1 - ic), jc, 0, nc, pc, kc);
                        }
                    }
                }
            }
            finally
            {
                ArrayPool<float>.Shared.Return(bufA);
                ArrayPool<float>.Shared.Return(bufB);
            }
        }

        private void RunSharedBatch(int batch)
        {
            GemmProblem p = _p;
            _batchA = _a + batch * p.StrideA;
            _batchB = _b + batch * p.StrideB;
            _batchC = _c + batch * p.StrideC;

            // Balanced row blocks of at most MC rows (whole MR panels), then enough column chunks
            // to give every core several tasks so a descheduled core does not stall the call.
            _mBlocks = (p.M + MC - 1) / MC;
            _mc = RoundUp((p.M + _mBlocks - 1) / _mBlocks, MR);
            _mBlocks = (p.M + _mc - 1) / _mc;
            int targetTasks = 4 * _threads;

            float[] bufB = ArrayPool<float>.Shared.Rent(KC * NC + 16);
            try
            {
                fixed (float* rb = bufB)
                {
                    _packB = Align64(rb);
                    for (_jc = 0; _jc < p.N; _jc += NC)
                    {
                        _nc = Math.Min(NC, p.N - _jc);
                        int panels = (_nc + NR - 1) / NR;
                        _nChunks = Math.Clamp((targetTasks + _mBlocks - 1) / _mBlocks, 1, panels);
                        _packChunks = Math.Min(panels, _threads);
                        for (_pc = 0; _pc < p.K; _pc += KC)
                        {
                            _kc = Math.Min(KC, p.K - _pc);
                            Parallel.For(0, _packChunks, CpuThreads.Options, PackBChunk);
                            Parallel.For(0, _mBlocks * _nChunks, CpuThreads.Options, ComputeChunk);
                        }
                    }
                }
            }
            finally
            {
                ArrayPool<float>.Shared.Return(bufB);
            }
        }

        private void PackBChunk(int chunk)
        {
            (int j0, int j1) = PartRange(_nc, NR, chunk, _packChunks);
            if (j1 > j0)
                PackBRange(_packB + (long)j0 * _kc, _batchB, _jc + j0, j1 - j0, _pc, _kc);
        }

        private void ComputeChunk(int task)
        {
            int mi = task / _nChunks;
            int ni = task % _nChunks;
            int ic = mi * _mc;
            int mc = Math.Min(_mc, _p.M - ic);
            (int j0, int j1) = PartRange(_nc, NR, ni, _nChunks);
            if (mc <= 0 || j1 <= j0)
                return;
            float[] bufA = ArrayPool<float>.Shared.Rent(MC * KC + 16);
            try
            {
                fixed (float* ra = bufA)
                    Block(Align64(ra), _packB, _batchA, _batchC, ic, mc, _jc, j0, j1, _pc, _kc);
            }
            finally
            {
                ArrayPool<float>.Shared.Return(bufA);
            }
        }

        private void PackBRange(float* dst, float* b, int jc, int nc, int pc, int kc)
        {
            if (_p.Layout == GemmLayout.NT)
                PackBTransposed(dst, b, _p.K, pc, kc, jc, nc);
            else
                PackB(dst, b, _p.N, pc, kc, jc, nc);
        }

        /// <summary>
        /// Packs rows [ic, ic+mc) × k-block of A, then runs the micro-kernel over the packed B
        /// columns [j0, j1) of the current column block starting at jc.
        /// </summary>
        private void Block(float* packA, float* packB, float* a, float* c, int ic, int mc, int jc, int j0, int j1, int pc, int kc)
        {
            GemmProblem p = _p;
            if (p.Layout == GemmLayout.TN)
                PackATransposed(packA, a, p.M, ic, mc, pc, kc);
            else
                PackA(packA, a, p.K, ic, mc, pc, kc);

            bool first = pc == 0;
            for (int jr = j0; jr < j1; jr += NR)
            {
                int nr = Math.Min(NR, j1 - jr);
                float* bp = packB + (long)jr * kc;
                for (int ir = 0; ir < mc; ir += MR)
                {
                    int mr = Math.Min(MR, mc - ir);
                    float* cp = c + (long)(ic + ir) * p.N + jc + jr;
                    if (_use512)
                        Micro512(kc, packA + (long)ir * kc, bp, cp, p.N, mr, nr, p.Alpha, p.Beta, first);
                    else
                        Micro256(kc, packA + (long)ir * kc, bp, cp, p.N, mr, nr, p.Alpha, p.Beta, first);
                }
            }
        }
    }

    private static int RoundUp(int value, int multiple) => (value + multiple - 1) / multiple * multiple;

    private static (int Start, int End) PartRange(int length, int granule, int part, int parts)
    {
        int granules = (length + granule - 1) / granule;
        int start = (int)((long)granules * part / parts) * granule;
        int end = (int)((long)granules * (part + 1) / parts) * granule;
        return (Math.Min(start, length), Math.Min(end, length));
    }

    private static float* Align64(float* p) => (float*)(((nint)p + 63) & ~(nint)63);

    /// <summary>A stored M×K (lda = K): panels of MR rows, element (i, l) at l·MR + i, rows past mc zeroed.</summary>
    private static void PackA(float* dst, float* a, int lda, int ic, int mc, int pc, int kc) =>
        PackAcross(dst, a, lda, pc, kc, ic, mc, MR);

    /// <summary>A stored K×M (lda = M): each k-row of a panel is MR consecutive source floats.</summary>
    private static void PackATransposed(float* dst, float* a, int lda, int ic, int mc, int pc, int kc) =>
        PackAlong(dst, a, lda, pc, kc, ic, mc, MR);

    /// <summary>B stored K×N (ldb = N): each k-row of a panel is NR consecutive source floats.</summary>
    private static void PackB(float* dst, float* b, int ldb, int pc, int kc, int jc, int nc) =>
        PackAlong(dst, b, ldb, pc, kc, jc, nc, NR);

    /// <summary>B stored N×K (ldb = K): a transpose while packing; columns past nc zeroed.</summary>
    private static void PackBTransposed(float* dst, float* b, int ldb, int pc, int kc, int jc, int nc) =>
        PackAcross(dst, b, ldb, pc, kc, jc, nc, NR);

    /// <summary>
    /// Packs the k-block [pc, pc+kc) of lines [j0, j0+count) of an operand stored k-major (line j,
    /// k l at src[l·ld + j]) into panels of <paramref name="width"/> lines: each k-row of a panel is
    /// <paramref name="width"/> consecutive source floats (one Vector256 copy per 8), lines past
    /// count zeroed. Width is MR or NR, a constant at each call, so the JIT unrolls the copy. One
    /// source row at a time, front to back, its pieces written to every panel: the reads stream
    /// even when the operand comes from memory (a weight gradient's token rows), and the row
    /// <see cref="PrefetchRows"/> ahead is prefetched, since consecutive rows lie ld floats apart.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void PackAlong(float* dst, float* src, int ld, int pc, int kc, int j0, int count, int width)
    {
        int full = count / width * width;
        for (int l = 0; l < kc; l++)
        {
            float* s = src + (long)(pc + l) * ld + j0;
            float* d = dst + l * width;
            if (Sse.IsSupported && l + PrefetchRows < kc)
            {
                byte* ahead = (byte*)(s + (long)PrefetchRows * ld);
                for (int offset = 0; offset < count * sizeof(float); offset += 64)
                    Sse.Prefetch0(ahead + offset);
            }
            for (int jr = 0; jr < full; jr += width)
            {
                for (int v = 0; v < width; v += 8)
                    Vector256.Store(Vector256.Load(s + jr + v), d + (long)jr * kc + v);
            }
            if (full < count)
            {
                float* tail = d + (long)full * kc;
                for (int j = 0; j < width; j++)
                    tail[j] = full + j < count ? s[full + j] : 0f;
            }
        }
    }

    /// <summary>
    /// The same panels from an operand stored line-major (line j, k l at src[j·ld + l]): a transpose
    /// while packing, 8×8 register transposes for full panels, lines past count zeroed.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void PackAcross(float* dst, float* src, int ld, int pc, int kc, int j0, int count, int width)
    {
        for (int jr = 0; jr < count; jr += width)
        {
            int w = Math.Min(width, count - jr);
            float* panel = dst + (long)jr * kc;
            float* s = src + (long)(j0 + jr) * ld + pc;
            int l = 0;
            if (w == width && Avx.IsSupported)
            {
                for (; l + 8 <= kc; l += 8)
                {
                    for (int g = 0; g < width; g += 8)
                        Transpose8x8(s + (long)g * ld + l, ld, panel + l * width + g, width);
                }
            }
            for (; l < kc; l++)
            {
                float* d = panel + l * width;
                for (int j = 0; j < width; j++)
                    d[j] = j < w ? s[(long)j * ld + l] : 0f;
            }
        }
    }

    /// <summary>
    /// dst[c·ldd + r] = src[r·lds + c] for an 8×8 block: unpack pairs, shuffle quads, then swap
    /// 128-bit halves (the usual AVX transpose).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose8x8(float* src, int lds, float* dst, int ldd)
    {
        Vector256<float> r0 = Avx.LoadVector256(src);
        Vector256<float> r1 = Avx.LoadVector256(src + lds);
        Vector256<float> r2 = Avx.LoadVector256(src + 2L * lds);
        Vector256<float> r3 = Avx.LoadVector256(src + 3L * lds);
        Vector256<float> r4 = Avx.LoadVector256(src + 4L * lds);
        Vector256<float> r5 = Avx.LoadVector256(src + 5L * lds);
        Vector256<float> r6 = Avx.LoadVector256(src + 6L * lds);
        Vector256<float> r7 = Avx.LoadVector256(src + 7L * lds);

        Vector256<float> t0 = Avx.UnpackLow(r0, r1);
        Vector256<float> t1 = Avx.UnpackHigh(r0, r1);
        Vector256<float> t2 = Avx.UnpackLow(r2, r3);
        Vector256<float> t3 = Avx.UnpackHigh(r2, r3);
        Vector256<float> t4 = Avx.UnpackLow(r4, r5);
        Vector256<float> t5 = Avx.UnpackHigh(r4, r5);
        Vector256<float> t6 = Avx.UnpackLow(r6, r7);
        Vector256<float> t7 = Avx.UnpackHigh(r6, r7);

        Vector256<float> s0 = Avx.Shuffle(t0, t2, 0x44);
        Vector256<float> s1 = Avx.Shuffle(t0, t2, 0xEE);
        Vector256<float> s2 = Avx.Shuffle(t1, t3, 0x44);
        Vector256<float> s3 = Avx.Shuffle(t1, t3, 0xEE);
        Vector256<float> s4 = Avx.Shuffle(t4, t6, 0x44);
        Vector256<float> s5 = Avx.Shuffle(t4, t6, 0xEE);
        Vector256<float> s6 = Avx.Shuffle(t5, t7, 0x44);
        Vector256<float> s7 = Avx.Shuffle(t5, t7, 0xEE);

        Avx.Store(dst, Avx.Permute2x128(s0, s4, 0x20));
        Avx.Store(dst + ldd, Avx.Permute2x128(s1, s5, 0x20));
        Avx.Store(dst + 2L * ldd, Avx.Permute2x128(s2, s6, 0x20));
        Avx.Store(dst + 3L * ldd, Avx.Permute2x128(s3, s7, 0x20));
        Avx.Store(dst + 4L * ldd, Avx.Permute2x128(s0, s4, 0x31));
        Avx.Store(dst + 5L * ldd, Avx.Permute2x128(s1, s5, 0x31));
        Avx.Store(dst + 6L * ldd, Avx.Permute2x128(s2, s6, 0x31));
        Avx.Store(dst + 7L * ldd, Avx.Permute2x128(s3, s7, 0x31));
    }

    /// <summary>
    /// 8×32 micro-kernel: 16 Vector512 accumulators stay in zmm registers across the k loop;
    /// each step loads two B vectors and broadcasts eight A scalars.
    /// </summary>
    [SkipLocalsInit] // the edge spill buffer needs no zeroing on every call
    private static void Micro512(int kc, float* ap, float* bp, float* c, int ldc, int mr, int nr, float alpha, float beta, bool first)
    {
        Vector512<float> c00 = default, c01 = default, c10 = default, c11 = default;
        Vector512<float> c20 = default, c21 = default, c30 = default, c31 = default;
        Vector512<float> c40 = default, c41 = default, c50 = default, c51 = default;
        Vector512<float> c60 = default, c61 = default, c70 = default, c71 = default;
        for (int l = 0; l < kc; l++)
        {
            Vector512<float> b0 = Vector512.Load(bp);
            Vector512<float> b1 = Vector512.Load(bp + 16);
            Vector512<float> x = Vector512.Create(ap[0]);
            c00 = Vector512.FusedMultiplyAdd(x, b0, c00);
            c01 = Vector512.FusedMultiplyAdd(x, b1, c01);
            x = Vector512.Create(ap[1]);
            c10 = Vector512.FusedMultiplyAdd(x, b0, c10);
            c11 = Vector512.FusedMultiplyAdd(x, b1, c11);
            x = Vector512.Create(ap[2]);
            c20 = Vector512.FusedMultiplyAdd(x, b0, c20);
            c21 = Vector512.FusedMultiplyAdd(x, b1, c21);
            x = Vector512.Create(ap[3]);
            c30 = Vector512.FusedMultiplyAdd(x, b0, c30);
            c31 = Vector512.FusedMultiplyAdd(x, b1, c31);
            x = Vector512.Create(ap[4]);
            c40 = Vector512.FusedMultiplyAdd(x, b0, c40);
            c41 = Vector512.FusedMultiplyAdd(x, b1, c41);
            x = Vector512.Create(ap[5]);
            c50 = Vector512.FusedMultiplyAdd(x, b0, c50);
            c51 = Vector512.FusedMultiplyAdd(x, b1, c51);
            x = Vector512.Create(ap[6]);
            c60 = Vector512.FusedMultiplyAdd(x, b0, c60);
            c61 = Vector512.FusedMultiplyAdd(x, b1, c61);
            x = Vector512.Create(ap[7]);
            c70 = Vector512.FusedMultiplyAdd(x, b0, c70);
            c71 = Vector512.FusedMultiplyAdd(x, b1, c71);
            ap += MR;
            bp += NR;
        }

        if (mr == MR && nr == NR)
        {
            // Full tile: update C in place with vector loads/stores.
            WriteRow512(c, c00, c01, alpha, beta, first);
            WriteRow512(c + ldc, c10, c11, alpha, beta, first);
            WriteRow512(c + 2L * ldc, c20, c21, alpha, beta, first);
            WriteRow512(c + 3L * ldc, c30, c31, alpha, beta, first);
            WriteRow512(c + 4L * ldc, c40, c41, alpha, beta, first);
            WriteRow512(c + 5L * ldc, c50, c51, alpha, beta, first);
            WriteRow512(c + 6L * ldc, c60, c61, alpha, beta, first);
            WriteRow512(c + 7L * ldc, c70, c71, alpha, beta, first);
            return;
        }

        // Edge tile: spill to a small buffer and write only the valid mr×nr part.
        float* tmp = stackalloc float[MR * NR];
        c00.Store(tmp); c01.Store(tmp + 16);
        c10.Store(tmp + 32); c11.Store(tmp + 48);
        c20.Store(tmp + 64); c21.Store(tmp + 80);
        c30.Store(tmp + 96); c31.Store(tmp + 112);
        c40.Store(tmp + 128); c41.Store(tmp + 144);
        c50.Store(tmp + 160); c51.Store(tmp + 176);
        c60.Store(tmp + 192); c61.Store(tmp + 208);
        c70.Store(tmp + 224); c71.Store(tmp + 240);
        WriteEdge(tmp, c, ldc, mr, nr, alpha, beta, first);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void WriteRow512(float* c, Vector512<float> v0, Vector512<float> v1, float alpha, float beta, bool first)
    {
        Vector512<float> va = Vector512.Create(alpha);
        if (!first)
        {
            // Later K blocks accumulate into what the first block wrote.
            Vector512.FusedMultiplyAdd(va, v0, Vector512.Load(c)).Store(c);
            Vector512.FusedMultiplyAdd(va, v1, Vector512.Load(c + 16)).Store(c + 16);
        }
        else if (beta == 0f)
        {
            // beta == 0: never read C, it may hold NaN.
            (va * v0).Store(c);
            (va * v1).Store(c + 16);
        }
        else
        {
            Vector512<float> vb = Vector512.Create(beta);
            Vector512.FusedMultiplyAdd(va, v0, vb * Vector512.Load(c)).Store(c);
            Vector512.FusedMultiplyAdd(va, v1, vb * Vector512.Load(c + 16)).Store(c + 16);
        }
    }

    /// <summary>Writes the valid mr×nr corner of an MR×NR tile held in tmp (row stride NR).</summary>
    private static void WriteEdge(float* tmp, float* c, int ldc, int mr, int nr, float alpha, float beta, bool first)
    {
        for (int i = 0; i < mr; i++)
        {
            float* row = c + (long)i * ldc;
            float* t = tmp + i * NR;
            for (int j = 0; j < nr; j++)
            {
                float v = alpha * t[j];
                if (!first)
                    row[j] += v;
                else if (beta == 0f)
                    row[j] = v;
                else
                    row[j] = v + beta * row[j];
            }
        }
    }

    /// <summary>
    /// Vector256 fallback: the same packed panels, computed as four 4×16 sub-tiles so the eight
    /// accumulators fit in 16 ymm registers; results go through the edge writer.
    /// </summary>
    [SkipLocalsInit]
    private static void Micro256(int kc, float* ap, float* bp, float* c, int ldc, int mr, int nr, float alpha, float beta, bool first)
    {
        float* tmp = stackalloc float[MR * NR];
        for (int rowOff = 0; rowOff < MR; rowOff += 4)
        {
            for (int colOff = 0; colOff < NR; colOff += 16)
                Micro256Quarter(kc, ap + rowOff, bp + colOff, tmp + rowOff * NR + colOff);
        }
        WriteEdge(tmp, c, ldc, mr, nr, alpha, beta, first);
    }

    private static void Micro256Quarter(int kc, float* ap, float* bp, float* tmp)
    {
        Vector256<float> c00 = default, c01 = default, c10 = default, c11 = default;
        Vector256<float> c20 = default, c21 = default, c30 = default, c31 = default;
        for (int l = 0; l < kc; l++)
        {
            Vector256<float> b0 = Vector256.Load(bp);
            Vector256<float> b1 = Vector256.Load(bp + 8);
            Vector256<float> x = Vector256.Create(ap[0]);
            c00 = Vector256.FusedMultiplyAdd(x, b0, c00);
            c01 = Vector256.FusedMultiplyAdd(x, b1, c01);
            x = Vector256.Create(ap[1]);
            c10 = Vector256.FusedMultiplyAdd(x, b0, c10);
            c11 = Vector256.FusedMultiplyAdd(x, b1, c11);
            x = Vector256.Create(ap[2]);
            c20 = Vector256.FusedMultiplyAdd(x, b0, c20);
            c21 = Vector256.FusedMultiplyAdd(x, b1, c21);
            x = Vector256.Create(ap[3]);
            c30 = Vector256.FusedMultiplyAdd(x, b0, c30);
            c31 = Vector256.FusedMultiplyAdd(x, b1, c31);
            ap += MR;
            bp += NR;
        }
        c00.Store(tmp); c01.Store(tmp + 8);
        c10.Store(tmp + NR); c11.Store(tmp + NR + 8);
        c20.Store(tmp + 2 * NR); c21.Store(tmp + 2 * NR + 8);
        c30.Store(tmp + 3 * NR); c31.Store(tmp + 3 * NR + 8);
    }
}
