using System.Runtime.InteropServices;
using CrsIlgpu.Training.Probe;

namespace CrsIlgpu.Cli.Commands;

/// <summary>`crs train`: one training run with evaluation, metrics, checkpoints and plots under --out.</summary>
public static class TrainCommand
{
    public static Command Create()
    {
        var set = new TrainingOptionSet();
        var output = new Option<string?>("--out")
        {
            Description = "Run folder (metrics, checkpoint, plots); default runs/<dataset>-<model>-<dense|rρ>-s<seed>",
        };
        var resume = new Option<bool>("--resume")
        {
            Description = "Continue the run in --out from its last checkpoint " +
                "(settings come from the checkpoint; --epochs may raise the total, which stretches the cosine schedule over the new total)",
        };
        var checkpointEvery = new Option<int>("--checkpoint-every")
        {
            Description = $"Also checkpoint every N updates inside an epoch (0 = only at epoch ends and on a stop); allowed with --resume",
            DefaultValueFactory = _ => Trainer.DefaultCheckpointEvery,
        };
        var command = new Command("train",
            "Train a ViT on CIFAR (CPU backend when there is no GPU): progress, test accuracy per epoch, " +
            "metrics.jsonl/csv, checkpoints, loss and accuracy PNGs");
        set.AddTo(command);
        command.Options.Add(output);
        command.Options.Add(resume);
        command.Options.Add(checkpointEvery);
        command.Options.Add(CommonOptions.MatmulPrecision);
        command.SetAction(parse => CommonOptions.Run(() =>
        {
            var every = parse.GetValue(checkpointEvery);
            if (every < 0)
                throw new CrsException($"--checkpoint-every must be 0 or positive, got {every}");
            var options = set.Bind(parse);
            var isResume = parse.GetValue(resume);
            if (isResume)
            {
                var given = set.Given(parse);
                if (given.Count > 0)
                    throw new CrsException("--resume takes the run's settings from its checkpoint; " +
                        $"pass only --out and --epochs (got {string.Join(", ", given)})");
                options = Trainer.Defaults with { Epochs = parse.GetResult(set.Epochs) is { Implicit: false } ? options.Epochs : 0 };
            }
            else
            {
                set.Sampling.WarnIfUnused(parse, [options.Ratio]);
            }
            var runDir = parse.GetValue(output) ?? DefaultRunDir(options);
            var result = Run(parse, options, runDir, isResume, set, every, out var stoppedBy);
            return result is not null ? 0 : stoppedBy == PosixSignal.SIGTERM ? ExitTerminated : ExitInterrupted;
        }));
        return command;
    }

    /// <summary>Exit code after a stop by Ctrl+C (SIGINT): 128 + 2, the shell's convention.</summary>
    public const int ExitInterrupted = 130;

    /// <summary>Exit code after a stop by SIGTERM (timeout, containers, batch schedulers): 128 + 15.</summary>
    public const int ExitTerminated = 143;

    /// <summary>Runs one training with a progress display; null when stopped by Ctrl+C or SIGTERM (a checkpoint at the last step is kept).</summary>
    public static TrainingResult? Run(ParseResult parse, TrainingOptions options, string runDir, bool resume, TrainingOptionSet set) =>
        Run(parse, options, runDir, resume, set, Trainer.DefaultCheckpointEvery, out _);

    private static TrainingResult? Run(ParseResult parse, TrainingOptions options, string runDir, bool resume,
        TrainingOptionSet set, int checkpointEvery, out PosixSignal? stoppedBy)
    {
        stoppedBy = null;
        FileSystemError.CheckOutputFolder("--out", runDir);
        var dataDir = parse.GetValue(set.Data)!;
        var dataset = resume && TrainingCheckpoint.Find(runDir) is { } cp ? TrainingCheckpoint.ReadState(cp).Options.Dataset : options.Dataset;
        if (DataPacks.EnsureFor(dataset, dataDir, parse.GetValue(set.Packs)!, msg => Console.Error.WriteLine("  " + msg)) is { } unpacked)
            Console.Error.WriteLine("  " + unpacked);

        using var device = DeviceContext.Create(CommonOptions.DeviceOptions(parse));
        using var cancel = new CancellationTokenSource();
        PosixSignal? signal = null;
        // SIGINT (Ctrl+C) and SIGTERM (timeout, docker stop, schedulers) both stop the run between
        // steps with a checkpoint at the last update. A second signal takes the default action
        // (the process ends at once) for a user who does not want to wait for the step.
        void OnSignal(PosixSignalContext context)
        {
            if (cancel.IsCancellationRequested)
                return;
            context.Cancel = true;
            signal = context.Signal;
            Console.Error.WriteLine($"{Name(context.Signal)}: stopping after the current step and saving a checkpoint (send it again to quit at once)");
            cancel.Cancel();
        }
        using var onInterrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
        using var onTerminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
        try
        {
            TrainingResult? result = null;
            var interactive = !Console.IsOutputRedirected && AnsiConsole.Profile.Capabilities.Interactive;
            if (interactive)
            {
                AnsiConsole.Progress().AutoClear(false).HideCompleted(false)
                    .Columns(new TaskDescriptionColumn { Alignment = Justify.Left },
                        new ProgressBarColumn(), new PercentageColumn(),
                        new ElapsedTimeColumn(), new RemainingTimeColumn())
                    .Start(ctx => result = new Trainer(device, options, runDir, dataDir, new TrainingProgress(ctx))
                        { CheckpointEvery = checkpointEvery }.Run(resume, cancel.Token));
            }
            else
            {
                result = new Trainer(device, options, runDir, dataDir, new TrainingProgress(null))
                    { CheckpointEvery = checkpointEvery }.Run(resume, cancel.Token);
            }
            PrintResult(result!);
            return result;
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
            stoppedBy = signal;
            var checkpoint = TrainingCheckpoint.Find(runDir);
            var how = signal is { } s ? $"stopped by {Name(s)}" : "interrupted";
            Console.Error.WriteLine(checkpoint is null
                ? $"{how} before the first step; nothing to resume"
                : $"{how}; checkpoint {checkpoint} holds {TrainingCheckpoint.ReadState(checkpoint).Describe()}; " +
                    $"continue with: crs train --resume --out {runDir}");
            return null;
        }
    }

    private static string Name(PosixSignal signal) => signal switch
    {
        PosixSignal.SIGINT => "Ctrl+C (SIGINT)",
        PosixSignal.SIGTERM => "SIGTERM",
        _ => signal.ToString(),
    };

    public static string DefaultRunDir(TrainingOptions o)
    {
        var model = Path.GetFileNameWithoutExtension(o.Model);
        return Path.Combine("runs", $"{o.Dataset}-{model}-{WtaCrsConfig.RunLabel(o.Ratio)}-s{o.Seed}");
    }

    private static void PrintResult(TrainingResult result)
    {
        if (result.LastEpoch is { } e)
            Console.WriteLine($"test accuracy {100 * e.TestAccuracy:F2}% after {e.Epoch} epoch(s) (test loss {e.TestLoss:F4}); " +
                $"peak pool memory in training steps {ByteSize.Format(result.PeakBytes)}, in the last evaluation {ByteSize.Format(e.EvalPeakBytes)}");
        else
            Console.WriteLine("nothing to train: the run already has the requested epochs");
        Console.WriteLine($"metrics: {Path.Combine(result.RunDirectory, MetricsLog.JsonLinesFileName)}, " +
            $"{Path.Combine(result.RunDirectory, MetricsLog.CsvFileName)}");
        if (result.Probe is { } probe)
        {
            Console.WriteLine($"gradient probe: {probe.ProbeSteps} probe step(s), " +
                $"{probe.MillisecondsPerProbeStep.ToString("F1", CultureInfo.InvariantCulture)} ms each " +
                $"against {probe.MillisecondsPerStep.ToString("F1", CultureInfo.InvariantCulture)} ms per training step without it " +
                $"({probe.ProbeSeconds.ToString("F1", CultureInfo.InvariantCulture)} s in all, " +
                $"left out of step times and img/s); probe memory at most {ByteSize.Format(probe.PeakBytes)}; " +
                $"{Path.Combine(result.RunDirectory, ProbeLog.FileName)}");
        }
        if (result.Plots.Count > 0)
            Console.WriteLine($"plots: {string.Join(", ", result.Plots)}");
        if (result.Checkpoint is not null)
            Console.WriteLine($"checkpoint: {result.Checkpoint}");
    }
}
