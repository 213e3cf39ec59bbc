using System.Globalization;
using CrsIlgpu.Kernels.Runtime.Memory;
using CrsIlgpu.Training.Memory;
using ScottPlot;

namespace CrsIlgpu.Training.Plots;

/// <summary>The largest batch per capacity as grouped bars: one group per capacity, one bar per keep ratio, labelled with the batch.</summary>
public static class MaxBatchPlot
{
    public static void Save(IReadOnlyList<MaxBatchResult> results, string path, string title)
    {
        var plot = new Plot();
        var capacities = results.Select(r => r.Capacity).Distinct().OrderBy(c => c).ToList();
        var configurations = results.Select(r => r.Sampling).Distinct().ToList();
        var palette = new ScottPlot.Palettes.Category10();
        for (var s = 0; s < configurations.Count; s++)
        {
            var bars = results.Where(r => r.Sampling == configurations[s]).Select(r => new Bar
            {
                Position = capacities.IndexOf(r.Capacity) * (configurations.Count + 1) + s,
                Value = r.MaxBatch,
                Label = r.MaxBatch.ToString(CultureInfo.InvariantCulture),
                FillColor = palette.GetColor(s),
            }).ToList();
            var plotted = plot.Add.Bars(bars);
            plotted.ValueLabelStyle.FontSize = 11;
            plotted.LegendText = configurations[s];
        }
        var ticks = capacities.Select((c, g) => new Tick(g * (configurations.Count + 1) + (configurations.Count - 1) / 2.0, ByteSize.Format(c))).ToArray();
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(ticks);
        plot.Axes.Margins(bottom: 0, top: 0.15);
        plot.Title(title);
        plot.XLabel("device memory (planned step: pool reservation)");
        plot.YLabel("largest batch that fits");
        plot.ShowLegend(Alignment.UpperLeft);
        PngFile.Save(plot, path);
    }
}
