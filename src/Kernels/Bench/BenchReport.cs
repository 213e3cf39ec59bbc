using System.Text.Json;

namespace CrsIlgpu.Kernels.Bench;

/// <summary>What a bench prints and saves: timings, ratios between them, and notes (e.g. a missing external reference).</summary>
public sealed record BenchReport(string Device, IReadOnlyList<BenchRow> Rows, IReadOnlyList<BenchRatio> Ratios, IReadOnlyList<string> Notes)
{
    public string ToJson() => JsonSerializer.Serialize(this, new JsonSerializerOptions
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
    });

    /// <summary>Ratios of every row of <paramref name="implementation"/> over the row of <paramref name="baseline"/> with the same op and shape.</summary>
    public static IEnumerable<BenchRatio> RatiosOf(IReadOnlyList<BenchRow> rows, string implementation, string baseline) =>
        from row in rows
        where row.Implementation == implementation
        join b in rows.Where(r => r.Implementation == baseline) on (row.Op, row.Shape) equals (b.Op, b.Shape)
        select new BenchRatio(row.Op, row.Shape, implementation, baseline, b.MeanMs / row.MeanMs);
}

/// <summary>Throughput of <see cref="Implementation"/> over that of <see cref="Baseline"/> (baseline time / implementation time), same run.</summary>
public sealed record BenchRatio(string Op, string Shape, string Implementation, string Baseline, double Ratio);
