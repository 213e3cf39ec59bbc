using CrsIlgpu.Kernels.Runtime.Memory;
using ScottPlot;

namespace CrsIlgpu.Training.Plots;

/// <summary>Allocated bytes over one training step, one line per run (e.g. per keep ratio), against the pool's event count.</summary>
public static class MemoryTimelinePlot
{
    public static void Save(IReadOnlyList<(string Name, IReadOnlyList<MemoryEvent> Events)> runs, string path, string title)
    {
        var plot = new Plot();
        foreach (var (name, events) in runs)
        {
            var allocations = events.Where(e => e.Op is "alloc" or "free").ToList();
            var xs = Enumerable.Range(0, allocations.Count).Select(i => (double)i).ToArray();
            var ys = allocations.Select(e => e.Allocated / (1024.0 * 1024 * 1024)).ToArray();
            var line = plot.Add.ScatterLine(xs, ys);
            line.LegendText = $"{name} (peak {ByteSize.Format(allocations.Count == 0 ? 0 : allocations.Max(e => e.Allocated))})";
        }
        plot.Title(title);
        plot.XLabel("pool event (allocation or free), in order");
        plot.YLabel("allocated (GiB)");
        plot.ShowLegend(Alignment.UpperRight);
        PngFile.Save(plot, path);
    }
}
