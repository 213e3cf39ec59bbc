using CrsIlgpu.Training.Plots;
using ScottPlot.Plottables;

namespace CrsIlgpu.Training.Tests.Trainer;

public sealed class TrainingCurvesPlotTests
{
    [Fact]
    public void EmaIsBiasCorrectedAndFollowsTheRecurrence()
    {
        var ema = TrainingCurvesPlot.Ema([4.0, 0.0, 2.0], 0.5);
        Assert.Equal(4.0, ema[0], 12); // bias correction: the first value itself, not (1 − β)·x
        Assert.Equal((0.5 * 2.0 + 0.5 * 0.0) / 0.75, ema[1], 12);
        Assert.Equal((0.5 * 1.0 + 0.5 * 2.0) / 0.875, ema[2], 12);
        Assert.Equal([3.0, 3.0, 3.0], TrainingCurvesPlot.Ema([3.0, 3.0, 3.0], 0.9).Select(v => Math.Round(v, 12)));
    }

    [Fact]
    public void LossPlotDrawsTheSmoothedCurveOverTheRawOne()
    {
        var steps = Enumerable.Range(1, 20).Select(i => new StepMetrics(1, i, i, 2.0 + (i % 2 == 0 ? 0.5 : -0.5), 0.1, 1e-3, 1, 100, 0)).ToList();
        var epochs = new List<EpochMetrics> { new(1, 20, 2, 0.1, 2.1, 0.1, 1e-3, 100, 1, 1, 0) };
        var plot = TrainingCurvesPlot.LossPlot(steps, epochs, "test");
        var series = plot.GetPlottables().OfType<Scatter>().ToList();
        Assert.Equal(3, series.Count);
        Assert.Equal("train loss (batch)", series[0].LegendText);
        Assert.Contains("EMA", series[1].LegendText);
        Assert.Contains("test loss", series[2].LegendText);
        // The smoothed curve swings far less than the raw one (±0.5 alternating).
        var smooth = series[1].Data.GetScatterPoints().Skip(10).Select(p => p.Y).ToList();
        Assert.True(smooth.Max() - smooth.Min() < 0.2, $"EMA range {smooth.Max() - smooth.Min()}");
    }
}
