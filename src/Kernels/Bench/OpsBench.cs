namespace CrsIlgpu.Kernels.Bench;

/// <summary>
/// `crs bench ops`: every op of every family at ViT sizes; the device's implementation (ILGPU
/// kernel, or the C# CPU backend), the plain reference and PyTorch eager on the same device
/// (tools/reference/ops_torch.py; on the CPU with the same thread count and OpenBLAS's best
/// valid kernels) timed in the same run.
/// </summary>
public static class OpsBench
{
    public static BenchReport Run(DeviceContext device, IReadOnlyList<OpBenchSize> sizes, string? familyFilter, bool includeReference,
        Action<string>? progress = null)
    {
        var families = OpBenchRegistry.Families.Where(f => familyFilter is null || f.Family == familyFilter).ToList();
        if (families.Count == 0)
            throw new CrsException($"--family: no family '{familyFilter}'; known: {string.Join(", ", OpBenchRegistry.Families.Select(f => f.Family))}");
        var main = device.Mode == ExecutionMode.Kernels ? "ilgpu-kernel" : "cpu-backend";
        var rows = new List<BenchRow>();
        foreach (var size in sizes)
        {
            foreach (var (family, cases) in families)
            {
                foreach (var c in cases(device, size))
                {
                    using (c)
                    {
                        var op = $"{c.Op} ({size.Name})";
                        progress?.Invoke($"{op}: {main}");
                        rows.Add(Row(op, c, main, BenchTimer.Measure(c.Run, device.Synchronize, warmupSeconds: 0.5, minSeconds: 0.5)));
                        if (!includeReference)
                            continue;
                        progress?.Invoke($"{op}: reference");
                        rows.Add(Row(op, c, "reference", BenchTimer.Measure(c.RunReference, () => { }, warmupSeconds: 0, minSeconds: 0.2, minRepeats: 1)));
                    }
                }
            }
        }
        var ratios = BenchReport.RatiosOf(rows, main, "reference").ToList();
        var notes = new List<string>();
        // The same ops in PyTorch eager on the same device (the same thread count on the CPU), joined by name.
        progress?.Invoke("PyTorch eager");
        var args = new List<string> { "--device", device.IsCuda ? "cuda" : "cpu" };
        if (!device.IsCuda)
            args.AddRange(["--threads", CpuThreads.Count.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        args.AddRange(sizes.Select(s => s.Name));
        var (results, why) = PythonReference.Run("ops_torch.py", args);
        if (results is null)
        {
            notes.Add("PyTorch reference not measured: " + why);
        }
        else
        {
            foreach (var r in results)
            {
                var op = (string)r["op"]!;
                var ours = rows.FirstOrDefault(x => x.Op == op && x.Implementation == main);
                if (ours is null)
                    continue;
                var mean = (double)r["mean_ms"]!;
                rows.Add(ours with { Implementation = "pytorch", Repeats = (int)r["repeats"]!, MeanMs = mean, MinMs = (double)r["min_ms"]!,
                    Gflops = ours.Gflops * ours.MeanMs / mean, GBps = ours.GBps * ours.MeanMs / mean });
                if (r["blas_core"] is { } core && !notes.Any(n => n.StartsWith("OpenBLAS core", StringComparison.Ordinal)))
                    notes.Add($"OpenBLAS core for PyTorch on the CPU: {core}");
            }
            ratios.AddRange(BenchReport.RatiosOf(rows, main, "pytorch"));
        }
        return new BenchReport(device.Description, rows, ratios, notes);
    }

    private static BenchRow Row(string op, IOpBenchCase c, string impl, (int Repeats, double MeanMs, double MinMs) t) =>
        new(op, c.Shape, impl, t.Repeats, t.MeanMs, t.MinMs,
            c.Flops > 0 ? c.Flops / (t.MeanMs * 1e6) : null,
            c.Bytes > 0 ? c.Bytes / (t.MeanMs * 1e6) : null);
}
