namespace CrsIlgpu.Kernels.Gemm;

/// <summary>
/// Ground-truth GEMM: a plain triple loop accumulating in double. Slow on purpose; every other
/// backend is tested against it.
/// </summary>
public static class GemmReference
{
    public static void Run(GemmProblem p, ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c)
    {
        p.Validate(a.Length, b.Length, c.Length);
        for (int batch = 0; batch < p.Batch; batch++)
        {
            long offA = batch * p.StrideA, offB = batch * p.StrideB, offC = batch * p.StrideC;
            for (int i = 0; i < p.M; i++)
            {
                for (int j = 0; j < p.N; j++)
                {
                    double sum = 0;
                    for (int l = 0; l < p.K; l++)
                        sum += (double)a[(int)(offA + IndexA(p, i, l))] * b[(int)(offB + IndexB(p, l, j))];
                    int ci = (int)(offC + (long)i * p.N + j);
                    // beta == 0 must not read C (it may hold NaN).
                    double prior = p.Beta != 0f ? (double)p.Beta * c[ci] : 0.0;
                    c[ci] = (float)(p.Alpha * sum + prior);
                }
            }
        }
    }

    /// <summary>
    /// The TF32 reference: the same loop over inputs rounded to TF32 (<see cref="Tf32.Round"/>), as the
    /// tensor cores see them; products and sums stay exact-ish in double.
    /// </summary>
    public static void RunTf32(GemmProblem p, ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c)
    {
        var ra = a.ToArray();
        var rb = b.ToArray();
        Tf32.RoundInPlace(ra);
        Tf32.RoundInPlace(rb);
        Run(p, ra, rb, c);
    }

    /// <summary>Element (i, l) of op(A) in the stored A.</summary>
    private static long IndexA(GemmProblem p, int i, int l) =>
        p.Layout == GemmLayout.TN ? (long)l * p.M + i : (long)i * p.K + l;

    /// <summary>Element (l, j) of op(B) in the stored B.</summary>
    private static long IndexB(GemmProblem p, int l, int j) =>
        p.Layout == GemmLayout.NT ? (long)j * p.K + l : (long)l * p.N + j;
}
