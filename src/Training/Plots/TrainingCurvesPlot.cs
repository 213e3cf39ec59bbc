using CrsIlgpu.Training.Trainer;
using ScottPlot;

namespace CrsIlgpu.Training.Plots;

/// <summary>
/// A run's curves: training loss per logged step (raw, faint, with an exponential moving average
/// drawn over it: one batch's loss is too noisy to read a trend from) with test loss per epoch, and
/// accuracy per epoch.
/// </summary>
public static class TrainingCurvesPlot
{
    /// <summary>Weight of the previous average in the loss curve's EMA, per logged step.</summary>
    public const double SmoothingBeta = 0.9;

    public static void SaveLoss(IReadOnlyList<StepMetrics> steps, IReadOnlyList<EpochMetrics> epochs, string path, string title) =>
        PngFile.Save(LossPlot(steps, epochs, title), path);

    /// <summary>The loss figure: raw train loss, its EMA, test loss per epoch (in that order).</summary>
    public static Plot LossPlot(IReadOnlyList<StepMetrics> steps, IReadOnlyList<EpochMetrics> epochs, string title)
    {
        var plot = new Plot();
        if (steps.Count > 0)
        {
            var xs = steps.Select(s => (double)s.GlobalStep).ToArray();
            var raw = steps.Select(s => s.Loss).ToArray();
            var train = plot.Add.Scatter(xs, raw);
            train.LegendText = "train loss (batch)";
            train.MarkerSize = 0;
            train.Color = train.Color.WithAlpha(0.35);
            var smooth = plot.Add.Scatter(xs, Ema(raw, SmoothingBeta));
            smooth.LegendText = $"train loss (EMA, β = {SmoothingBeta} per logged step)";
            smooth.MarkerSize = 0;
            smooth.LineWidth = 2;
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
        return plot;
    }

    /// <summary>
    /// Bias-corrected exponential moving average: m_t = β·m_{t−1} + (1 − β)·x_t, reported as
    /// m_t / (1 − β^t) so the first points are not pulled towards zero (m_0 = 0).
    /// </summary>
    public static double[] Ema(IReadOnlyList<double> values, double beta)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(beta);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(beta, 1);
        var result = new double[values.Count];
        double m = 0, weight = 1;
        for (var t = 0; t < values.Count; t++)
        {
            m = beta * m + (1 - beta) * values[t];
            weight *= beta;
            result[t] = m / (1 - weight);
        }
        return result;
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
