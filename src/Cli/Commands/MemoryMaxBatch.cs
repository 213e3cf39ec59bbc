using CrsIlgpu.Model;
using CrsIlgpu.Training.Memory;
using CrsIlgpu.Training.Plots;

namespace CrsIlgpu.Cli.Commands;

/// <summary>`crs memory --max-batch`: the largest batch per capacity and keep ratio, as a table, JSON and a bar chart.</summary>
public static class MemoryMaxBatch
{
    public static void Run(
        VitConfig config, string? capacityText, IReadOnlyList<WtaCrsConfig?> samplings, MemorySavers savers, string? jsonPath, string? pngPath)
    {
        if (capacityText is null)
            throw new CrsException("--max-batch needs --capacity: the device memory to fit, e.g. 80GiB or 24GiB,48GiB,80GiB");
        var capacities = new List<long>();
        foreach (var part in capacityText.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!ByteSize.TryParse(part, out var bytes) || bytes <= 0)
                throw new CrsException($"--capacity: '{part}' is not a byte count like 80GiB");
            capacities.Add(bytes);
        }
        if (capacities.Count == 0)
            throw new CrsException("--capacity: give at least one byte count, e.g. 80GiB");
        FileSystemError.CheckOutputFile("--json", jsonPath);
        FileSystemError.CheckOutputFile("--png", pngPath);

        var results = new List<MaxBatchResult>();
        foreach (var capacity in capacities.Distinct())
            foreach (var sampling in samplings)
                results.Add(MaxBatchSearch.Find(config, capacity, sampling, savers, msg => Console.Error.WriteLine("  " + msg)));

        Console.WriteLine($"largest batch per step plan: {config.Name}, {config.ImageSize}×{config.ImageSize}, {config.NumClasses} classes "
            + "(pool reservation; CUDA context not counted)");
        var table = new Table().AddColumns("capacity", "sampling", "largest batch", "vs first", "peak reserved", "peak allocated", "plans");
        foreach (var group in results.GroupBy(r => r.Capacity))
        {
            var first = group.First().MaxBatch;
            foreach (var r in group)
            {
                table.AddRow(ByteSize.Format(r.Capacity), Markup.Escape(r.Sampling), r.MaxBatch.ToString(CultureInfo.InvariantCulture),
                    first > 0 ? ((double)r.MaxBatch / first).ToString("0.00", CultureInfo.InvariantCulture) + "×" : "–",
                    ByteSize.Format(r.PeakReserved), ByteSize.Format(r.PeakAllocated), r.Plans.ToString(CultureInfo.InvariantCulture));
            }
        }
        AnsiConsole.Write(table);
        if (jsonPath is not null)
        {
            AtomicFile.WriteAllText(jsonPath, JsonSerializer.Serialize(new { model = config.Name, results },
                new JsonSerializerOptions { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower }));
            Console.WriteLine("wrote " + jsonPath);
        }
        if (pngPath is not null)
        {
            MaxBatchPlot.Save(results, pngPath, $"{config.Name}: largest training batch that fits");
            Console.WriteLine("wrote " + pngPath);
        }
    }
}
