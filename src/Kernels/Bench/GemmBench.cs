using System.Globalization;
using CrsIlgpu.Kernels.Gemm;
using CrsIlgpu.Kernels.Runtime.Memory;

namespace CrsIlgpu.Kernels.Bench;

/// <summary>
/// `crs bench gemm`: SGEMM per problem — square NN sizes and/or the GEMMs of a ViT's layers (every
/// layout, the weight-gradient TN shapes with their long K, batched attention) — each implementation
/// timed in the same run. On the CPU: the C# backend, the plain reference (problems up to 1024³'s
/// work) and numpy's BLAS as the external anchor. On CUDA: the fp32 ILGPU kernel the tile rule
/// picks, each SIMT tile size forced and the TF32 tensor-core kernel, against cuBLAS through PyTorch
/// with TF32 off (cublas-fp32, the fp32 kernels' ratio) and on (cublas-tf32, the TF32 kernel's
/// ratio), all in one run; --matmul-precision picks which ILGPU row is GemmOp's ("main"). The
/// anchors get each problem as "LAYOUT:M:N:K:BATCH" and compute the same layout (transposed
/// operands as views).
/// </summary>
public static class GemmBench
{
    /// <summary>The TF32 tensor-core kernel's row (GemmTf32Kernels; GemmOp's choice under --matmul-precision tf32).</summary>
    public const string Tf32Impl = "ilgpu-tf32";

    /// <summary>gemm_torch.py's row with torch.backends.cuda.matmul.allow_tf32 on.</summary>
    public const string CublasTf32 = "cublas-tf32";

    /// <summary>The reference runs only where its naive loop ends in seconds (1024³ multiply-adds).</summary>
    public const double ReferenceMaxFlops = 2.0 * 1024 * 1024 * 1024;

    /// <summary>One problem: a name for the table (the square size, or the ViT layer) and the GEMM.</summary>
    public sealed record Case(string Shape, GemmProblem Problem)
    {
        /// <summary>What the Python anchors parse.</summary>
        public string Spec => string.Join(':', Problem.Layout, Problem.M, Problem.N, Problem.K, Problem.Batch);
    }

    /// <summary>Square NN problems n×n×n.</summary>
    public static IReadOnlyList<Case> Square(IEnumerable<int> sizes) =>
        sizes.Select(n => n < 1
                ? throw new CrsException("--sizes: give positive matrix sizes, e.g. 256,512,1024")
                : new Case($"{n}x{n}x{n}", GemmProblem.Create(GemmLayout.NN, n, n, n)))
            .ToList();

    /// <summary>
    /// The GEMMs of one ViT training step at a preset's size (N = B·L token rows): the qkv, fc1 and
    /// fc2 forward (NT, X·Wᵀ), their weight gradients (TN, dYᵀ·X, K = N) and fc1's input gradient
    /// (NN, dY·W), and attention's QKᵀ (NT) and A·V (NN) batched over B·H.
    /// </summary>
    public static IReadOnlyList<Case> Vit(OpBenchSize size)
    {
        int n = size.Batch * size.Tokens, d = size.Dim, l = size.Tokens, dh = size.Dim / size.Heads, bh = size.Batch * size.Heads;
        string S(string layer) => $"{layer} ({size.Name})";
        return
        [
            new(S("qkv fwd"), GemmProblem.Create(GemmLayout.NT, n, 3 * d, d)),
            new(S("fc1 fwd"), GemmProblem.Create(GemmLayout.NT, n, 4 * d, d)),
            new(S("fc2 fwd"), GemmProblem.Create(GemmLayout.NT, n, d, 4 * d)),
            new(S("qkv dW"), GemmProblem.Create(GemmLayout.TN, 3 * d, d, n)),
            new(S("fc1 dW"), GemmProblem.Create(GemmLayout.TN, 4 * d, d, n)),
            new(S("fc2 dW"), GemmProblem.Create(GemmLayout.TN, d, 4 * d, n)),
            new(S("fc1 dX"), GemmProblem.Create(GemmLayout.NN, n, d, 4 * d)),
            new(S("attn QKᵀ"), GemmProblem.Create(GemmLayout.NT, l, l, dh, bh)),
            new(S("attn A·V"), GemmProblem.Create(GemmLayout.NN, l, dh, l, bh)),
        ];
    }

    public static BenchReport Run(DeviceContext device, IReadOnlyList<Case> cases, Action<string>? progress = null)
    {
        if (cases.Count == 0)
            throw new CrsException("bench gemm: nothing to measure (give --sizes or --shapes)");
        var rows = new List<BenchRow>();
        var notes = new List<string>();
        // The implementation GemmOp runs for this device and --matmul-precision.
        var main = device.UsesTf32Matmul ? Tf32Impl : device.Mode == ExecutionMode.Kernels ? "ilgpu-kernel" : "cpu-backend";
        foreach (var (shape, p) in cases)
        {
            var random = new Random(p.M * 31 + p.N * 17 + p.K);
            float[] Fill(long count) => Enumerable.Range(0, checked((int)count)).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
            var hostA = Fill(p.ElementsA * p.Batch);
            var hostB = Fill(p.ElementsB * p.Batch);

            using var a = new Tensor(device.Pool, MemoryTag.Workspace, "bench.a", hostA.Length);
            using var b = new Tensor(device.Pool, MemoryTag.Workspace, "bench.b", hostB.Length);
            using var c = new Tensor(device.Pool, MemoryTag.Workspace, "bench.c", checked((int)(p.ElementsC * p.Batch)));
            a.CopyFrom(hostA);
            b.CopyFrom(hostB);

            if (device.Mode == ExecutionMode.Kernels)
            {
                // Groups per launch: what fills the GPU (split-K multiplies a weight gradient's tiles by its K groups).
                var (kernel, groups, splits) = GemmOp.LaunchShape(device, p);
                notes.Add($"{shape}: {main} launches {kernel} with {groups} groups" +
                    (splits > 1 ? $" ({splits} K groups per tile, then {GemmSplitKKernels.ReduceName})" : ""));
            }
            progress?.Invoke($"{shape}: {main}");
            rows.Add(Row(p, shape, main, BenchTimer.Measure(() => GemmOp.Run(device, p, a, b, c), device.Synchronize)));

            if (device.IsCuda)
            {
                if (main == Tf32Impl)
                {
                    progress?.Invoke($"{shape}: ilgpu-kernel");
                    rows.Add(Row(p, shape, "ilgpu-kernel", BenchTimer.Measure(() => GemmKernels.Launch(device, p, a.View, b.View, c.View),
                        device.Synchronize)));
                }
                // Both SIMT kernels forced, so one run shows where the tile rule's threshold should sit.
                foreach (var tile in Enum.GetValues<GemmTile>())
                {
                    var impl = tile == GemmTile.Large128 ? "ilgpu-128x128" : "ilgpu-64x64";
                    progress?.Invoke($"{shape}: {impl}");
                    rows.Add(Row(p, shape, impl, BenchTimer.Measure(() => GemmKernels.Launch(device, p, a.View, b.View, c.View, tile), device.Synchronize)));
                }
                // Both precisions in every GPU run: the TF32 tensor-core kernel next to the fp32 ones.
                if (main != Tf32Impl)
                {
                    progress?.Invoke($"{shape}: {Tf32Impl}");
                    rows.Add(Row(p, shape, Tf32Impl, BenchTimer.Measure(() => GemmTf32Kernels.Launch(device, p, a.View, b.View, c.View), device.Synchronize)));
                }
            }

            if (!device.IsCuda && p.Flops <= ReferenceMaxFlops)
            {
                progress?.Invoke($"{shape}: reference");
                var hostC = new float[p.ElementsC * p.Batch];
                rows.Add(Row(p, shape, "reference",
                    BenchTimer.Measure(() => GemmReference.Run(p, hostA, hostB, hostC), () => { }, warmupSeconds: 0, minSeconds: 0.5, minRepeats: 1)));
            }
        }

        // The numpy anchor picks OpenBLAS's best valid core type itself (reference/blas_core.py): these
        // machines preset OPENBLAS_CORETYPE or make OpenBLAS misdetect the CPU, costing it up to 5x.
        progress?.Invoke(device.IsCuda ? "PyTorch cuBLAS FP32 and TF32" : "numpy BLAS");
        var args = cases.Select(c => c.Spec).ToList();
        var (results, why) = device.IsCuda
            ? PythonReference.Run("gemm_torch.py", ["--precision", "both", .. args])
            : PythonReference.Run("gemm_numpy.py", args);
        var externals = new HashSet<string>();
        if (results is null)
        {
            notes.Add("external reference not measured: " + why);
        }
        else
        {
            foreach (var r in results)
            {
                var spec = (string?)r["spec"];
                var match = cases.FirstOrDefault(c => c.Spec == spec);
                if (match is null)
                    continue;
                var external = (string)r["impl"]!;
                externals.Add(external);
                if (r["blas_core"] is { } core && !notes.Any(n => n.StartsWith("OpenBLAS core", StringComparison.Ordinal)))
                    notes.Add($"OpenBLAS core for the numpy anchor: {core} (best valid of the candidates reference/blas_core.py tried)");
                var mean = (double)r["mean_ms"]!;
                var p = match.Problem;
                rows.Add(new BenchRow(p.OpName, match.Shape, external, (int)r["repeats"]!, mean, (double)r["min_ms"]!, p.Flops / (mean * 1e6),
                    p.Bytes / (mean * 1e6)));
            }
        }

        var ratios = BenchReport.RatiosOf(rows, main, "reference").ToList();
        foreach (var external in externals)
        {
            // Like against like: fp32 kernels against cuBLAS with TF32 off, the TF32 kernel against cuBLAS with TF32 on.
            if (external == CublasTf32)
            {
                ratios.AddRange(BenchReport.RatiosOf(rows, Tf32Impl, external));
                continue;
            }
            ratios.AddRange(BenchReport.RatiosOf(rows, main == Tf32Impl ? "ilgpu-kernel" : main, external));
        }
        return new BenchReport(device.Description, rows, ratios, notes);
    }

    private static BenchRow Row(GemmProblem p, string shape, string impl, (int Repeats, double MeanMs, double MinMs) t) =>
        new(p.OpName, shape, impl, t.Repeats, t.MeanMs, t.MinMs, p.Flops / (t.MeanMs * 1e6), p.Bytes / (t.MeanMs * 1e6));
}
