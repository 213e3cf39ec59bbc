using CrsIlgpu.Training.Probe;
using ScottPlot;

namespace CrsIlgpu.Training.Plots;

/// <summary>
/// The gradient probe of one site over training: ‖Ĝ − G‖/‖G‖ at each probe step, one line per block
/// (probe-SITE.png in the run folder).
/// </summary>
public static class ProbePlot
{
    public static string FileName(string site) => $"probe-{site}.png";

    /// <summary>One PNG per site present in <paramref name="records"/>; returns their paths.</summary>
    public static List<string> SaveAll(IReadOnlyList<ProbeRecord> records, string runDir, string title)
    {
        var paths = new List<string>();
        foreach (var site in records.Select(r => r.Site).Distinct())
        {
            var path = Path.Combine(runDir, FileName(site));
            PngFile.Save(Plot(records.Where(r => r.Site == site).ToList(), site, title), path);
            paths.Add(path);
        }
        return paths;
    }

    public static Plot Plot(IReadOnlyList<ProbeRecord> records, string site, string title)
    {
        var plot = new Plot();
        foreach (var block in records.Select(r => r.Block).Distinct().Order())
        {
            var points = records.Where(r => r.Block == block && double.IsFinite(r.RelativeError)).OrderBy(r => r.Step).ToList();
            if (points.Count == 0)
                continue;
            var line = plot.Add.Scatter(points.Select(r => (double)r.Step).ToArray(), points.Select(r => r.RelativeError).ToArray());
            line.LegendText = $"block {block}";
            line.MarkerSize = points.Count == 1 ? 6 : 3;
        }
        plot.Title($"Gradient probe, {site}: ‖Ĝ − G‖ / ‖G‖ — {title}");
        plot.XLabel("update");
        plot.YLabel("relative error of the estimate");
        plot.Axes.Margins(bottom: 0);
        plot.ShowLegend(Alignment.UpperRight);
        return plot;
    }
}
