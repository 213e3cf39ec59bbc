using CrsIlgpu.Kernels.Gemm;
using CrsIlgpu.Kernels.Runtime;
using CrsIlgpu.Kernels.Runtime.Memory;

namespace CrsIlgpu.Kernels.Bench;

/// <summary>
/// `crs bench gemm`: square NN SGEMM per size, each implementation timed in the same run. On the
/// CPU: the C# backend, the plain reference (sizes up to <see cref="ReferenceMaxSize"/>) and numpy's
/// BLAS as the external anchor. On CUDA: the ILGPU kernel the tile rule picks, each SIMT tile size
/// forced, and cuBLAS FP32 through PyTorch.
/// </summary>
public static class GemmBench
{
    public const int ReferenceMaxSize = 1024;

    public static BenchReport Run(DeviceContext device, IReadOnlyList<int> sizes, Action<string>? progress = null)
    {
        if (sizes.Count == 0 || sizes.Any(n => n < 1))
            throw new CrsException("--sizes: give positive matrix sizes, e.g. 256,512,1024");
        var rows = new List<BenchRow>();
        var notes = new List<string>();
        var main = device.Mode == ExecutionMode.Kernels ? "ilgpu-kernel" : "cpu-backend";
        foreach (var n in sizes)
        {
            var p = GemmProblem.Create(GemmLayout.NN, n, n, n);
            var shape = Shape(n);
            var random = new Random(n);
            float[] Fill(int count) => Enumerable.Range(0, count).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
            var hostA = Fill(n * n);
            var hostB = Fill(n * n);

            using var a = new Tensor(device.Pool, MemoryTag.Workspace, "bench.a", n, n);
            using var b = new Tensor(device.Pool, MemoryTag.Workspace, "bench.b", n, n);
            using var c = new Tensor(device.Pool, MemoryTag.Workspace, "bench.c", n, n);
            a.CopyFrom(hostA);
            b.CopyFrom(hostB);

            progress?.Invoke($"{shape}: {main}");
            rows.Add(Row(p, shape, main, BenchTimer.Measure(() => GemmOp.Run(device, p, a, b, c), device.Synchronize)));

            if (device.IsCuda)
            {
                // Both SIMT kernels forced, so one run shows where the tile rule's threshold should sit.
                foreach (var tile in Enum.GetValues<GemmTile>())
                {
                    var impl = tile == GemmTile.Large128 ? "ilgpu-128x128" : "ilgpu-64x64";
                    progress?.Invoke($"{shape}: {impl}");
                    rows.Add(Row(p, shape, impl, BenchTimer.Measure(() => GemmKernels.Launch(device, p, a.View, b.View, c.View, tile), device.Synchronize)));
                }
            }

            if (!device.IsCuda && n <= ReferenceMaxSize)
            {
                progress?.Invoke($"{shape}: reference");
                var hostC = new float[n * n];
                rows.Add(Row(p, shape, "reference",
                    BenchTimer.Measure(() => GemmReference.Run(p, hostA, hostB, hostC), () => { }, warmupSeconds: 0, minSeconds: 0.5, minRepeats: 1)));
            }
        }

        // The numpy anchor picks OpenBLAS's best valid core type itself (reference/blas_core.py): these
        // machines preset OPENBLAS_CORETYPE or make OpenBLAS misdetect the CPU, costing it up to 5x.
        progress?.Invoke(device.IsCuda ? "PyTorch cuBLAS FP32" : "numpy BLAS");
        var args = sizes.Select(s => s.ToString()).ToList();
        var (results, why) = device.IsCuda
            ? PythonReference.Run("gemm_torch.py", args)
            : PythonReference.Run("gemm_numpy.py", args);
        string? external = null;
        if (results is null)
        {
            notes.Add("external reference not measured: " + why);
        }
        else
        {
            foreach (var r in results)
            {
                var n = (int)r["n"]!;
                external = (string)r["impl"]!;
                if (r["blas_core"] is { } core && !notes.Any(n => n.StartsWith("OpenBLAS core", StringComparison.Ordinal)))
                    notes.Add($"OpenBLAS core for the numpy anchor: {core} (best valid of the candidates reference/blas_core.py tried)");
                var mean = (double)r["mean_ms"]!;
                var p = GemmProblem.Create(GemmLayout.NN, n, n, n);
                rows.Add(new BenchRow("gemm_nn", Shape(n), external, (int)r["repeats"]!, mean, (double)r["min_ms"]!, p.Flops / (mean * 1e6), p.Bytes / (mean * 1e6)));
            }
        }

        var ratios = BenchReport.RatiosOf(rows, main, "reference").ToList();
        if (external is not null)
            ratios.AddRange(BenchReport.RatiosOf(rows, main, external));
        return new BenchReport(device.Description, rows, ratios, notes);
    }

    private static string Shape(int n) => $"{n}x{n}x{n}";

    private static BenchRow Row(GemmProblem p, string shape, string impl, (int Repeats, double MeanMs, double MinMs) t) =>
        new("gemm_nn", shape, impl, t.Repeats, t.MeanMs, t.MinMs, p.Flops / (t.MeanMs * 1e6), p.Bytes / (t.MeanMs * 1e6));
}
