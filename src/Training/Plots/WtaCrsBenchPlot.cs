using CrsIlgpu.Kernels.Bench;
using ScottPlot;

namespace CrsIlgpu.Training.Plots;

/// <summary>`crs bench wtacrs` as a picture: sampled weight-gradient (and attention dV + dK)
/// time over dense, and the draw's relative error, against ρ.</summary>
public static class WtaCrsBenchPlot
{
    public static void Save(IReadOnlyList<WtaCrsBenchRow> rows, IReadOnlyList<WtaCrsAttentionBenchRow> attentionRows, string path, string device)
    {
        var plot = new Plot();
        foreach (var size in rows.Select(r => r.Size).Distinct())
        {
            var mine = rows.Where(r => r.Size == size).OrderBy(r => r.Ratio).ToList();
            var xs = mine.Select(r => r.Ratio).ToArray();
            var time = plot.Add.Scatter(xs, mine.Select(r => r.TimeVsDense).ToArray());
            time.LegendText = $"{size}: (norms + selection + sampled GEMM) / dense GEMM";
            var error = plot.Add.Scatter(xs, mine.Select(r => r.RelativeError).ToArray());
            error.LegendText = $"{size}: relative error of one draw";
            error.LinePattern = LinePattern.Dashed;
        }
        foreach (var size in attentionRows.Select(r => r.Size).Distinct())
        {
            var mine = attentionRows.Where(r => r.Size == size).OrderBy(r => r.Ratio).ToList();
            var xs = mine.Select(r => r.Ratio).ToArray();
            var time = plot.Add.Scatter(xs, mine.Select(r => r.TimeVsDense).ToArray());
            time.LegendText = $"{size} attention: sampled dV + dK / dense";
            time.LinePattern = LinePattern.DenselyDashed;
        }
        var dense = plot.Add.HorizontalLine(1);
        dense.LinePattern = LinePattern.Dotted;
        dense.LegendText = "dense time";
        plot.Title($"WTA-CRS weight gradient and attention dV, dK on {device}");
        plot.XLabel("keep ratio ρ");
        plot.YLabel("time ratio / relative error");
        plot.ShowLegend(Alignment.UpperLeft);
        PngFile.Save(plot, path);
    }
}
