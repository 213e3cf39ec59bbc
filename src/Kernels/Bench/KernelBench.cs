using System.Globalization;

namespace CrsIlgpu.Kernels.Bench;

/// <summary>
/// `crs bench kernel NAME --shape ...`: builds one kernel's case from <see cref="OpBenchRegistry.Kernels"/>,
/// checks the device's implementation against the reference once, then times both after warm-up and
/// records one profiled run, so a user's kernel is verified and measured like the built-in ones.
/// </summary>
public static class KernelBench
{
    public static KernelBenchResult Run(DeviceContext device, string name, string shapeText, bool includeReference = true, Action<string>? progress = null)
    {
        var entry = OpBenchRegistry.Kernel(name);
        var shape = ParseShape(entry, shapeText);
        var main = device.Mode == ExecutionMode.Kernels ? "ilgpu-kernel" : "cpu-backend";
        using var c = entry.Create(device, shape);

        progress?.Invoke("check against the reference");
        var check = c.Check?.Invoke() ?? throw new InvalidOperationException($"bench entry '{name}' has no check");

        progress?.Invoke(main);
        var op = Row(c, main, BenchTimer.Measure(c.Run, device.Synchronize, warmupSeconds: 0.3, minSeconds: 0.5));
        BenchRow? reference = null;
        if (includeReference)
        {
            progress?.Invoke("reference");
            reference = Row(c, "reference", BenchTimer.Measure(c.RunReference, () => { }, warmupSeconds: 0, minSeconds: 0.2, minRepeats: 1));
        }

        // One more run with the profiler on: which launches the op makes, under the names a profile shows.
        var wasEnabled = device.Profiler.Enabled;
        device.Profiler.Reset();
        device.Profiler.Enabled = true;
        try
        {
            c.Run();
            device.Synchronize();
        }
        finally
        {
            device.Profiler.Enabled = wasEnabled;
        }
        var launches = device.Profiler.Summary();
        device.Profiler.Reset();

        var roofline = RooflinePosition.Of(c.Flops, c.Bytes, op.MeanMs / 1e3, device.Peak);
        return new KernelBenchResult(entry.Kernel, c.Shape, device.Description, KernelCatalog.Find(entry.Kernel)?.PtxEntryName ?? "-",
            check, op, reference, roofline, launches);
    }

    /// <summary>"a,b,c" → exactly the entry's number of positive integers, else a one-line user error.</summary>
    public static IReadOnlyList<int> ParseShape(KernelBenchEntry entry, string text)
    {
        var parts = text.Split(',', StringSplitOptions.TrimEntries);
        var values = new List<int>();
        foreach (var part in parts)
        {
            if (!int.TryParse(part, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) || v < 1)
                throw new CrsException($"--shape: '{part}' is not a positive integer; kernel '{entry.Kernel}' takes {entry.ShapeHelp}");
            values.Add(v);
        }
        if (values.Count != entry.Rank)
            throw new CrsException($"--shape: kernel '{entry.Kernel}' takes {entry.Rank} numbers ({entry.ShapeHelp}), got {values.Count} in '{text}'");
        // Every buffer of an entry is sized by at most two of the numbers (rows·cols, m·k, k·n, ...).
        for (var i = 0; i < values.Count; i++)
        {
            for (var j = i + 1; j < values.Count; j++)
            {
                if ((long)values[i] * values[j] > int.MaxValue)
                    throw new CrsException($"--shape: {values[i]}×{values[j]} is more than 2^31 elements");
            }
        }
        return values;
    }

    private static BenchRow Row(OpBenchCase c, string impl, (int Repeats, double MeanMs, double MinMs) t) =>
        new(c.Op, c.Shape, impl, t.Repeats, t.MeanMs, t.MinMs,
            c.Flops > 0 ? c.Flops / (t.MeanMs * 1e6) : null,
            c.Bytes > 0 ? c.Bytes / (t.MeanMs * 1e6) : null);
}
