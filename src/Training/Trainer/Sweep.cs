using System.Globalization;
using System.Text;
using System.Text.Json;
using CrsIlgpu.Kernels.Runtime.Memory;
using CrsIlgpu.Model.Sampling;
using CrsIlgpu.Training.Plots;

namespace CrsIlgpu.Training.Trainer;

/// <summary>
/// `crs sweep`: one training run per dataset × keep ratio under one folder, each resumable (a finished
/// cell is skipped, an interrupted one resumed), and after every cell a results.md table (accuracy and
/// peak memory per cell, memory against the dense run of the same dataset), results.json and bar charts.
/// </summary>
public static class Sweep
{
    public const string ResultsFileName = "results.md";
    public const string JsonFileName = "results.json";
    public const string AccuracyPlotFileName = "sweep-accuracy.png";
    public const string MemoryPlotFileName = "sweep-memory.png";

    public static string CellFolder(string sweepDir, string dataset, double ratio) =>
        Path.Combine(sweepDir, $"{dataset}-{WtaCrsConfig.RunLabel(ratio)}");

    /// <summary>
    /// Runs (or resumes, or skips) every cell with <paramref name="train"/>(options, runDir, resume) and
    /// returns the cells in grid order.
    /// </summary>
    public static IReadOnlyList<SweepCell> Run(TrainingOptions template, IReadOnlyList<string> datasets, IReadOnlyList<double> ratios, string sweepDir,
        Func<TrainingOptions, string, bool, TrainingResult> train, Action<string>? log = null)
    {
        // A value given twice is one cell, not a second run into the same folder.
        datasets = datasets.Distinct().ToList();
        ratios = ratios.Distinct().ToList();
        if (datasets.Count == 0 || ratios.Count == 0)
            throw new CrsException("--datasets and --ratios must each name at least one value");
        RefuseCellsWithOtherSettings(template, datasets, ratios, sweepDir);
        var cells = new List<SweepCell>();
        foreach (var dataset in datasets)
        {
            foreach (var ratio in ratios)
            {
                var options = template with { Dataset = dataset, Ratio = ratio };
                options.Validate();
                var dir = CellFolder(sweepDir, dataset, ratio);
                var done = TrainingCheckpoint.Find(dir) is { } checkpoint ? TrainingCheckpoint.ReadState(checkpoint) : null;
                if (done is not null && done.EpochsDone >= options.Epochs)
                    log?.Invoke($"{dir}: already trained {done.EpochsDone} epoch(s), kept");
                else
                {
                    log?.Invoke($"{dir}: {(done is null ? "training" : $"resuming after epoch {done.EpochsDone}")}");
                    train(done is null ? options : Trainer.Defaults with { Epochs = options.Epochs }, dir, done is not null);
                }
                cells.Add(new SweepCell(dataset, ratio, dir, MetricsLog.Read(dir).OfType<EpochMetrics>().ToList()));
                Write(cells, sweepDir, template);
            }
        }
        return cells;
    }

    /// <summary>
    /// A cell is kept or resumed only when it was trained with the requested settings; otherwise the
    /// table would mix runs under a header that describes none of them. Checked for every cell before
    /// any training starts.
    /// </summary>
    private static void RefuseCellsWithOtherSettings(TrainingOptions template, IReadOnlyList<string> datasets, IReadOnlyList<double> ratios, string sweepDir)
    {
        var conflicts = new List<string>();
        foreach (var dataset in datasets)
        {
            foreach (var ratio in ratios)
            {
                var dir = CellFolder(sweepDir, dataset, ratio);
                if (TrainingCheckpoint.Find(dir) is not { } checkpoint)
                    continue;
                var saved = TrainingCheckpoint.ReadState(checkpoint).Options;
                var differences = SettingDifferences.Between(SettingDifferences.Effective(saved.Identity),
                    SettingDifferences.Effective((template with { Dataset = dataset, Ratio = ratio }).Identity));
                if (differences.Count > 0)
                    conflicts.Add($"{dir} ({string.Join(", ", differences)})");
            }
        }
        if (conflicts.Count > 0)
        {
            throw new CrsException($"--out: {sweepDir} holds cells trained with other settings: {string.Join("; ", conflicts)}; " +
                "rerun with those settings to continue the sweep, or choose another --out");
        }
    }

    /// <summary>results.md, results.json and the two PNGs for the cells so far.</summary>
    public static void Write(IReadOnlyList<SweepCell> cells, string sweepDir, TrainingOptions template)
    {
        var md = new StringBuilder();
        md.AppendLine($"# Sweep: {template.Model}, {template.Epochs} epoch(s), batch {template.Batch}, lr {F(template.LearningRate)}, seed {template.Seed}, " +
            $"{WtaCrsConfig.EstimatorLabel(WtaCrsConfig.ParseEstimator(template.Estimator))} on {template.CrsLayers} ({template.Policy})" +
            (template.ProbeEvery > 0 ? $", gradient probe every {template.ProbeEvery} updates (probe.jsonl per cell)" : ""));
        md.AppendLine();
        md.AppendLine("| dataset | ρ | epochs | test top-1 | best test top-1 | peak memory | vs dense | train img/s |");
        md.AppendLine("|---|---|---|---|---|---|---|---|");
        foreach (var c in cells)
        {
            var dense = cells.FirstOrDefault(d => d.Dataset == c.Dataset && d.Ratio >= 1);
            var versus = dense is not null && dense.PeakBytes > 0 && c.PeakBytes > 0 ? $"{(double)c.PeakBytes / dense.PeakBytes:F3}×" : "—";
            md.AppendLine(c.Last is { } e
                ? $"| {c.Dataset} | {F(c.Ratio)} | {e.Epoch} | {100 * e.TestAccuracy:F2}% | {100 * c.BestTestAccuracy:F2}% | " +
                    $"{ByteSize.Format(c.PeakBytes)} | {versus} | {e.ImagesPerSecond:F0} |"
                : $"| {c.Dataset} | {F(c.Ratio)} | 0 | — | — | — | — | — |");
        }
        md.AppendLine();
        md.AppendLine("Peak memory: the device pool's peak allocation during training steps " +
            "(parameters, gradients, Adam state, activations; evaluation excluded).");
        Directory.CreateDirectory(sweepDir);
        AtomicFile.WriteAllText(Path.Combine(sweepDir, ResultsFileName), md.ToString());
        var json = cells.Select(c => new
        {
            dataset = c.Dataset,
            ratio = c.Ratio,
            run = c.RunDirectory,
            epochs = c.Epochs.Count,
            test_accuracy = c.Last?.TestAccuracy,
            best_test_accuracy = c.Epochs.Count == 0 ? (double?)null : c.BestTestAccuracy,
            peak_bytes = c.PeakBytes,
        });
        AtomicFile.WriteAllText(Path.Combine(sweepDir, JsonFileName), JsonSerializer.Serialize(json, new JsonSerializerOptions { WriteIndented = true }));
        var trained = cells.Where(c => c.Last is not null).ToList();
        if (trained.Count > 0)
        {
            SweepPlot.Save(trained, c => 100 * c.Last!.TestAccuracy,
                "test top-1 accuracy (%)", Path.Combine(sweepDir, AccuracyPlotFileName),
                $"{template.Model}: accuracy by dataset and keep ratio");
            SweepPlot.Save(trained, c => c.PeakBytes / (1024.0 * 1024.0),
                "peak pool memory (MiB)", Path.Combine(sweepDir, MemoryPlotFileName),
                $"{template.Model}: peak memory by dataset and keep ratio");
        }
    }

    private static string F(double value) => value.ToString("G4", CultureInfo.InvariantCulture);
}
