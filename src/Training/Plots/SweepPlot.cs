using System.Globalization;
using CrsIlgpu.Training.Trainer;
using ScottPlot;

namespace CrsIlgpu.Training.Plots;

/// <summary>A sweep as grouped bars: one group per dataset, one bar per keep ratio.</summary>
public static class SweepPlot
{
    public static void Save(IReadOnlyList<SweepCell> cells, Func<SweepCell, double> value, string yLabel, string path, string title)
    {
        var plot = new Plot();
        var datasets = cells.Select(c => c.Dataset).Distinct().ToList();
        var ratios = cells.Select(c => c.Ratio).Distinct().OrderByDescending(r => r).ToList();
        var palette = new ScottPlot.Palettes.Category10();
        for (var r = 0; r < ratios.Count; r++)
        {
            var bars = new List<Bar>();
            foreach (var cell in cells.Where(c => c.Ratio == ratios[r]))
            {
                var group = datasets.IndexOf(cell.Dataset);
                bars.Add(new Bar { Position = group * (ratios.Count + 1) + r, Value = value(cell), FillColor = palette.GetColor(r) });
            }
            var plotted = plot.Add.Bars(bars);
            plotted.LegendText = ratios[r] >= 1 ? "dense (ρ = 1)" : $"ρ = {ratios[r].ToString(CultureInfo.InvariantCulture)}";
        }
        var ticks = datasets.Select((d, g) => new Tick(g * (ratios.Count + 1) + (ratios.Count - 1) / 2.0, d)).ToArray();
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(ticks);
        plot.Axes.Margins(bottom: 0);
        plot.Title(title);
        plot.YLabel(yLabel);
        plot.ShowLegend(Alignment.UpperRight);
        PngFile.Save(plot, path);
    }
}
