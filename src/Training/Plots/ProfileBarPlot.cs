using CrsIlgpu.Training.Profiling;
using ScottPlot;

namespace CrsIlgpu.Training.Plots;

/// <summary>`crs profile` as a picture: the top kernels of a step by time, one horizontal bar per (phase, kernel).</summary>
public static class ProfileBarPlot
{
    public const int TopKernels = 15;

    public static void Save(StepProfile profile, string path)
    {
        // Largest at the top: ScottPlot puts position 0 at the bottom.
        var top = profile.Kernels.OrderByDescending(k => k.TotalUsPerStep).Take(TopKernels).Reverse().ToList();
        var plot = new Plot();
        var bars = top.Select((k, i) => new Bar
        {
            Position = i,
            Value = k.TotalUsPerStep / 1e3,
            FillColor = PhaseColor(k.Phase),
            Label = $"{k.SharePercent:0.0}%",
        }).ToList();
        var barPlot = plot.Add.Bars(bars);
        barPlot.Horizontal = true;
        barPlot.ValueLabelStyle.FontSize = 11;
        plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericManual(
            top.Select((_, i) => (double)i).ToArray(),
            top.Select(k => $"{k.Kernel} ({k.Phase})").ToArray());
        plot.Axes.Margins(left: 0, right: 0.15);
        foreach (var phase in ProfilePhase.All.Where(p => top.Any(k => k.Phase == p)))
            plot.Legend.ManualItems.Add(new LegendItem { LabelText = phase, FillColor = PhaseColor(phase) });
        plot.ShowLegend(Alignment.LowerRight);
        plot.Title($"Top kernels of one step: {profile.Model}, batch {profile.Batch}\n{profile.Sampling}");
        plot.XLabel($"ms per step (step: {profile.WallUsPerStep / 1e3:0.0} ms wall, {profile.KernelUsPerStep / 1e3:0.0} ms in kernels)");
        PngFile.Save(plot, path, 1000, 620);
    }

    private static Color PhaseColor(string phase) => phase switch
    {
        ProfilePhase.Forward => Colors.SteelBlue,
        ProfilePhase.Backward => Colors.DarkOrange,
        ProfilePhase.Selection => Colors.Crimson,
        ProfilePhase.Optimizer => Colors.SeaGreen,
        _ => Colors.Gray,
    };
}
