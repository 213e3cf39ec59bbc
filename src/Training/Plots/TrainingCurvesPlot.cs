using CrsIlgpu.Training.Trainer;
using ScottPlot;

namespace CrsIlgpu.Training.Plots;

/// <summary>A run's curves: training loss per logged step with test loss per epoch, and accuracy per epoch.</summary>
public static class TrainingCurvesPlot
{
    public static void SaveLoss(IReadOnlyList<StepMetrics> steps, IReadOnlyList<EpochMetrics> epochs, string path, string title)
    {
        var plot = new Plot();
        if (steps.Count > 0)
        {
            var train = plot.Add.Scatter(steps.Select(s => (double)s.GlobalStep).ToArray(), steps.Select(s => s.Loss).ToArray());
            train.LegendText = "train loss (batch)";
            train.MarkerSize = 0;
        }
        if (epochs.Count > 0)
        {
            var test = plot.Add.Scatter(epochs.Select(e => (double)e.GlobalStep).ToArray(), epochs.Select(e => e.TestLoss).ToArray());
            test.LegendText = "test loss (end of epoch)";
            test.MarkerSize = 8;
        }
        plot.Title($"Loss — {title}");
        plot.XLabel("update");
        plot.YLabel("cross-entropy");
        plot.ShowLegend(Alignment.UpperRight);
        PngFile.Save(plot, path);
    }

    public static void SaveAccuracy(IReadOnlyList<EpochMetrics> epochs, string path, string title)
    {
        var plot = new Plot();
        var xs = epochs.Select(e => (double)e.Epoch).ToArray();
        var train = plot.Add.Scatter(xs, epochs.Select(e => 100 * e.TrainAccuracy).ToArray());
        train.LegendText = "train (augmented batches)";
        var test = plot.Add.Scatter(xs, epochs.Select(e => 100 * e.TestAccuracy).ToArray());
        test.LegendText = "test";
        plot.Title($"Top-1 accuracy — {title}");
        plot.XLabel("epoch");
        plot.YLabel("accuracy (%)");
        plot.Axes.SetLimitsY(0, 100);
        plot.ShowLegend(Alignment.LowerRight);
        PngFile.Save(plot, path);
    }
}
