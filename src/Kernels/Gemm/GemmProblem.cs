namespace CrsIlgpu.Kernels.Gemm;

/// <summary>
/// A batched row-major fp32 GEMM: C = Alpha · op(A) · op(B) + Beta · C for each of
/// <see cref="Batch"/> problems, the i-th one starting at element i·Stride of each buffer.
/// When <see cref="Beta"/> is 0, C is write-only (garbage, even NaN, is overwritten).
/// </summary>
public readonly record struct GemmProblem(
    GemmLayout Layout,
    int M,
    int N,
    int K,
    int Batch,
    long StrideA,
    long StrideB,
    long StrideC,
    float Alpha,
    float Beta)
{
    /// <summary>A problem over densely packed batches (strides M·K, K·N, M·N).</summary>
    public static GemmProblem Create(GemmLayout layout, int m, int n, int k, int batch = 1, float alpha = 1f, float beta = 0f) =>
        new(layout, m, n, k, batch, (long)m * k, (long)k * n, (long)m * n, alpha, beta);

    /// <summary>Stable op name used in errors and kernel names.</summary>
    public string OpName => GemmKernels.NameFor(Layout);

    /// <summary>Floating-point operations: one multiply and one add per (m, n, k) per batch.</summary>
    public double Flops => 2.0 * M * N * K * Batch;

    /// <summary>Minimum DRAM traffic: A and B read once, C written once (and read when Beta ≠ 0).</summary>
    public double Bytes
    {
        get
        {
            double cTraffic = Beta != 0f ? 2.0 : 1.0;
            return 4.0 * Batch * ((double)M * K + (double)K * N + cTraffic * M * N);
        }
    }

    /// <summary>Elements of A touched by one batch (A is M×K or K×M: the same count).</summary>
    public long ElementsA => (long)M * K;

    /// <summary>Elements of B touched by one batch.</summary>
    public long ElementsB => (long)K * N;

    /// <summary>Elements of C touched by one batch.</summary>
    public long ElementsC => (long)M * N;

    /// <summary>
    /// Checks the shape and that every buffer reaches the end of its last batch, so a bad call
    /// fails here with a readable message instead of faulting inside a kernel.
    /// </summary>
    public void Validate(long lengthA, long lengthB, long lengthC)
    {
        if (!Enum.IsDefined(Layout))
            throw new ArgumentException($"gemm: unknown layout {(int)Layout}");
        string op = OpName;
        if (M < 1 || N < 1 || K < 1 || Batch < 1)
            throw new ArgumentException($"{op}: M, N, K and Batch must be >= 1, got M={M} N={N} K={K} Batch={Batch}");
        if (StrideA < 0 || StrideB < 0 || StrideC < 0)
            throw new ArgumentException($"{op}: strides must be >= 0, got A={StrideA} B={StrideB} C={StrideC}");
        CheckLength(op, "A", ShapeA, lengthA, StrideA, ElementsA);
        CheckLength(op, "B", ShapeB, lengthB, StrideB, ElementsB);
        CheckLength(op, "C", $"{M}x{N}", lengthC, StrideC, ElementsC);
    }

    private string ShapeA => Layout == GemmLayout.TN ? $"{K}x{M}" : $"{M}x{K}";

    private string ShapeB => Layout == GemmLayout.NT ? $"{N}x{K}" : $"{K}x{N}";

    private void CheckLength(string op, string name, string shape, long length, long stride, long elements)
    {
        // Overflow is impossible in practice (int dims, long math) but checked keeps it honest.
        long needed = checked((Batch - 1) * stride + elements);
        if (length < needed)
        {
            throw new ArgumentException(
                $"{op}: buffer {name} ({shape}, batch {Batch}, stride {stride}) needs {needed} elements but has {length} " +
                $"(M={M} N={N} K={K})");
        }
    }
}
