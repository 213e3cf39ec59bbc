namespace CrsIlgpu.Kernels.Sampling;

/// <summary>
/// A batched sampled TN GEMM, C_b = Σ_{t&lt;K} scale_{b,t} · A_b[idx_{b,t}, :]ᵀ B_b[idx_{b,t}, :], the
/// WTA-CRS estimate of a weight gradient (A = ∂L/∂Y, B = X) or of dV / dK over query rows.
/// Per batch entry b (all row-major, entry b starting at b·Stride of its buffer):
/// A is [Rows, M]; B is [Rows, N] (<see cref="SampledGemmForm.Gather"/>) or [K, N] already sampled and
/// scaled (<see cref="SampledGemmForm.PreSampled"/>); indices and scales are [K] at b·<see cref="StrideSamples"/>;
/// C is [M, N] and always overwritten (K = 0 gives zeros) with <see cref="Alpha"/> times the sum (attention's
/// dK = scale·dSᵀQ; 1 elsewhere, where the multiply is exact). An index outside [0, Rows) contributes nothing.
/// </summary>
public readonly record struct SampledGemmProblem(
    SampledGemmForm Form,
    int M,
    int N,
    int K,
    int Rows,
    int Batch,
    long StrideA,
    long StrideB,
    long StrideC,
    long StrideSamples,
    float Alpha = 1f)
{
    /// <summary>A problem over densely packed batch entries.</summary>
    public static SampledGemmProblem Create(SampledGemmForm form, int m, int n, int k, int rows, int batch = 1) =>
        new(form, m, n, k, rows, batch,
            (long)rows * m,
            form == SampledGemmForm.Gather ? (long)rows * n : (long)k * n,
            (long)m * n,
            k);

    /// <summary>Stable op name used in errors and kernel names.</summary>
    public string OpName => SampledGemmKernels.NameFor(Form);

    /// <summary>One multiply and one add per (m, n, sample) per batch entry.</summary>
    public double Flops => 2.0 * M * N * K * Batch;

    /// <summary>Minimum traffic: K rows of A and of B read, C written, indices (and scales) read.</summary>
    public double Bytes
    {
        get
        {
            double perSample = Form == SampledGemmForm.Gather ? 8.0 : 4.0;
            return Batch * (4.0 * ((double)K * M + (double)K * N + (double)M * N) + perSample * K);
        }
    }

    /// <summary>
    /// The dense TN GEMM of the same output and K (A [K, M], B [K, N], strides as here): what the
    /// tile rule, the split rule and the 128-bit alignment check of <see cref="Gemm.GemmLargeKernels"/>
    /// read. Not a problem to run (A and B have Rows rows here, not K).
    /// </summary>
    public Gemm.GemmProblem AsGemm() =>
        new(Gemm.GemmLayout.TN, M, N, K, Batch, StrideA, StrideB, StrideC, Alpha, 0f);

    /// <summary>Rows of B per batch entry: all rows when gathered, the K samples when pre-sampled.</summary>
    public int RowsB => Form == SampledGemmForm.Gather ? Rows : K;

    /// <summary>
    /// Checks the shape and that every buffer reaches the end of its last batch entry, so a bad call
    /// fails here with a readable message instead of faulting inside a kernel. Scales are only
    /// required by the gather form.
    /// </summary>
    public void Validate(long lengthA, long lengthB, long lengthC, long lengthIndices, long lengthScales)
    {
        if (!Enum.IsDefined(Form))
            throw new ArgumentException($"sampled_gemm: unknown form {(int)Form}");
        string op = OpName;
        if (M < 1 || N < 1 || Rows < 1 || Batch < 1 || K < 0)
            throw new ArgumentException($"{op}: M, N, Rows and Batch must be >= 1 and K >= 0, got M={M} N={N} K={K} Rows={Rows} Batch={Batch}");
        if (StrideA < 0 || StrideB < 0 || StrideC < 0 || StrideSamples < 0)
            throw new ArgumentException($"{op}: strides must be >= 0, got A={StrideA} B={StrideB} C={StrideC} samples={StrideSamples}");
        CheckLength(op, "A", $"{Rows}x{M}", lengthA, StrideA, (long)Rows * M);
        CheckLength(op, "B", $"{RowsB}x{N}", lengthB, StrideB, (long)RowsB * N);
        CheckLength(op, "C", $"{M}x{N}", lengthC, StrideC, (long)M * N);
        CheckLength(op, "indices", $"{K}", lengthIndices, StrideSamples, K);
        if (Form == SampledGemmForm.Gather)
            CheckLength(op, "scales", $"{K}", lengthScales, StrideSamples, K);
    }

    private void CheckLength(string op, string name, string shape, long length, long stride, long elements)
    {
        long needed = elements == 0 ? 0 : checked((Batch - 1) * stride + elements);
        if (length < needed)
        {
            throw new ArgumentException(
                $"{op}: buffer {name} ({shape}, batch {Batch}, stride {stride}) needs {needed} elements but has {length} " +
                $"(M={M} N={N} K={K} Rows={Rows})");
        }
    }
}
