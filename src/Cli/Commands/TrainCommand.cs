using System.CommandLine;
using System.Globalization;
using CrsIlgpu.Kernels.Runtime;
using CrsIlgpu.Kernels.Runtime.Memory;
using CrsIlgpu.Model.Sampling;
using CrsIlgpu.Training.Data;
using CrsIlgpu.Training.Trainer;
using Spectre.Console;

namespace CrsIlgpu.Cli.Commands;

/// <summary>`crs train`: one training run with evaluation, metrics, checkpoints and plots under --out.</summary>
public static class TrainCommand
{
    public static Command Create()
    {
        var set = new TrainingOptionSet();
        var output = new Option<string?>("--out") { Description = "Run folder (metrics, checkpoint, plots); default runs/<dataset>-<model>-<dense|rρ>-s<seed>" };
        var resume = new Option<bool>("--resume") { Description = "Continue the run in --out from its last checkpoint (settings come from the checkpoint; --epochs may raise the total, which stretches the cosine schedule over the new total)" };
        var command = new Command("train", "Train a ViT on CIFAR (CPU backend when there is no GPU): progress, test accuracy per epoch, metrics.jsonl/csv, checkpoints, loss and accuracy PNGs");
        set.AddTo(command);
        command.Options.Add(output);
        command.Options.Add(resume);
        command.SetAction(parse => CommonOptions.Run(() =>
        {
            var options = set.Bind(parse);
            var isResume = parse.GetValue(resume);
            if (isResume)
            {
                var given = set.Given(parse);
                if (given.Count > 0)
                    throw new CrsException($"--resume takes the run's settings from its checkpoint; pass only --out and --epochs (got {string.Join(", ", given)})");
                options = Trainer.Defaults with { Epochs = parse.GetResult(set.Epochs) is { Implicit: false } ? options.Epochs : 0 };
            }
            else
            {
                set.Sampling.WarnIfUnused(parse, [options.Ratio]);
            }
            var runDir = parse.GetValue(output) ?? DefaultRunDir(options);
            var result = Run(parse, options, runDir, isResume, set);
            return result is null ? 130 : 0;
        }));
        return command;
    }

    /// <summary>Runs one training with a progress display; null when interrupted by Ctrl+C (the last checkpoint stays).</summary>
    public static TrainingResult? Run(ParseResult parse, TrainingOptions options, string runDir, bool resume, TrainingOptionSet set)
    {
        FileSystemError.CheckOutputFolder("--out", runDir);
        var dataDir = parse.GetValue(set.Data)!;
        var dataset = resume && TrainingCheckpoint.Find(runDir) is { } cp ? TrainingCheckpoint.ReadState(cp).Options.Dataset : options.Dataset;
        if (DataPacks.EnsureFor(dataset, dataDir, parse.GetValue(set.Packs)!, msg => Console.Error.WriteLine("  " + msg)) is { } unpacked)
            Console.Error.WriteLine("  " + unpacked);

        using var device = DeviceContext.Create(CommonOptions.DeviceOptions(parse));
        using var cancel = new CancellationTokenSource();
        ConsoleCancelEventHandler onCancel = (_, e) =>
        {
            e.Cancel = true; // stop between steps and keep the files consistent
            cancel.Cancel();
        };
        Console.CancelKeyPress += onCancel;
        try
        {
            TrainingResult? result = null;
            var interactive = !Console.IsOutputRedirected && AnsiConsole.Profile.Capabilities.Interactive;
            if (interactive)
            {
                AnsiConsole.Progress().AutoClear(false).HideCompleted(false)
                    .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
                    .Start(ctx => result = new Trainer(device, options, runDir, dataDir, new TrainingProgress(ctx)).Run(resume, cancel.Token));
            }
            else
            {
                result = new Trainer(device, options, runDir, dataDir, new TrainingProgress(null)).Run(resume, cancel.Token);
            }
            PrintResult(result!);
            return result;
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
            var checkpoint = TrainingCheckpoint.Find(runDir);
            Console.Error.WriteLine(checkpoint is null
                ? "interrupted before the first checkpoint; nothing to resume"
                : $"interrupted; the last checkpoint is {checkpoint} (epoch {TrainingCheckpoint.ReadState(checkpoint).EpochsDone}); continue with: crs train --resume --out {runDir}");
            return null;
        }
        finally
        {
            Console.CancelKeyPress -= onCancel;
        }
    }

    public static string DefaultRunDir(TrainingOptions o)
    {
        var model = Path.GetFileNameWithoutExtension(o.Model);
        return Path.Combine("runs", $"{o.Dataset}-{model}-{WtaCrsConfig.RunLabel(o.Ratio)}-s{o.Seed}");
    }

    private static void PrintResult(TrainingResult result)
    {
        if (result.LastEpoch is { } e)
            Console.WriteLine($"test accuracy {100 * e.TestAccuracy:F2}% after {e.Epoch} epoch(s) (test loss {e.TestLoss:F4}); peak pool memory in training steps {ByteSize.Format(result.PeakBytes)}");
        else
            Console.WriteLine("nothing to train: the run already has the requested epochs");
        Console.WriteLine($"metrics: {Path.Combine(result.RunDirectory, MetricsLog.JsonLinesFileName)}, {Path.Combine(result.RunDirectory, MetricsLog.CsvFileName)}");
        if (result.Plots.Count > 0)
            Console.WriteLine($"plots: {string.Join(", ", result.Plots)}");
        if (result.Checkpoint is not null)
            Console.WriteLine($"checkpoint: {result.Checkpoint}");
    }
}
