namespace CrsIlgpu.Cli.Commands;

/// <summary>
/// Draws a run's progress: a live bar per epoch (loss, accuracy, images/s, pool peak) on a terminal,
/// or plain lines every few steps when the output is a file or a pipe (logs, CI). Loss and accuracy
/// are the epoch's running means so far (what the epoch line will report), not the last batch's.
/// </summary>
public sealed class TrainingProgress(ProgressContext? live, int printEvery = 50) : ITrainingObserver
{
    private ProgressTask? _epochTask;
    private TrainingPlan? _plan;

    public void Started(TrainingPlan plan)
    {
        _plan = plan;
        var o = plan.Options;
        var lines = new[]
        {
            $"run {plan.RunDirectory}: {plan.Config.Name} ({plan.ParameterCount:N0} parameters) on {o.Dataset} " +
            $"({plan.TrainImages:N0} train / {plan.TestImages:N0} test images), {plan.Sampling}",
            $"device {plan.Device}; {o.Epochs} epoch(s) × {plan.StepsPerEpoch} steps of {o.Batch}; " +
            $"{o.Optimizer} lr {F(o.LearningRate)} (warm-up {F(o.WarmupFraction)}, cosine to {F(o.MinLearningRate)}), " +
            $"clip {(o.ClipNorm is { } c ? F(c) : "off")}, seed {o.Seed}" +
                (plan.StartStep > 0 ? $"; resuming in epoch {plan.StartEpoch + 1} after step {plan.StartStep}"
                    : plan.StartEpoch > 0 ? $"; resuming after epoch {plan.StartEpoch}" : ""),
        };
        foreach (var line in lines)
            Write(line);
        if (plan.PlannedStepBytes > 0)
            Write($"memory plan: one training step peaks at {ByteSize.Format(plan.PlannedStepBytes)} on the GPU kernel path " +
                $"(crs memory --plan --model {o.Model} --batch {o.Batch} for the breakdown)");
    }

    public void StepDone(StepMetrics s)
    {
        var status = $"epoch {s.Epoch} · mean loss {s.EpochLoss:F3} · mean acc {100 * s.EpochAccuracy:F1}% · " +
            $"{Rate(s.ImagesPerSecond)} img/s · peak {ByteSize.Format(s.PeakBytes)}";
        if (live is not null)
        {
            if (_epochTask is null || _epochTask.IsFinished)
                _epochTask = live.AddTask(Markup.Escape(status), maxValue: _plan?.StepsPerEpoch ?? 1);
            _epochTask.Description = Markup.Escape(status);
            _epochTask.Value = s.Step;
        }
        else if (s.Step % printEvery == 0 || s.Step == _plan?.StepsPerEpoch)
        {
            Write($"  step {s.Step}/{_plan?.StepsPerEpoch}: {status}, lr {F(s.LearningRate)}");
        }
    }

    public void Evaluating(int epoch, int batchesDone, int batches)
    {
        if (live is not null && _epochTask is not null)
            _epochTask.Description = Markup.Escape($"epoch {epoch} · evaluating {batchesDone}/{batches}");
    }

    public void EpochDone(EpochMetrics e, string checkpoint)
    {
        _epochTask?.StopTask();
        _epochTask = null;
        Write($"epoch {e.Epoch}: train loss {e.TrainLoss:F4}, train acc {100 * e.TrainAccuracy:F2}%, " +
              $"test loss {e.TestLoss:F4}, test acc {100 * e.TestAccuracy:F2}%, " +
              $"{Rate(e.ImagesPerSecond)} img/s, {e.TrainSeconds:F0} s + eval {e.EvalSeconds:F0} s" +
              (e.ProbeSeconds is { } probe ? $" + gradient probe {probe:F1} s" : "") +
              $", peak {ByteSize.Format(e.PeakBytes)} (eval {ByteSize.Format(e.EvalPeakBytes)}); checkpoint {checkpoint}");
    }

    public void Warning(string message) => Console.Error.WriteLine("warning: " + message);

    private void Write(string line)
    {
        if (live is not null)
            AnsiConsole.MarkupLine(Markup.Escape(line));
        else
            Console.WriteLine(line);
    }

    private static string F(double value) => value.ToString("G4", CultureInfo.InvariantCulture);

    /// <summary>Images per second readable at both ends: "0.18" for ViT-B/16 on a CPU, "1119" for a tiny model.</summary>
    private static string Rate(double perSecond) => perSecond >= 10
        ? perSecond.ToString("F0", CultureInfo.InvariantCulture)
        : perSecond.ToString("G2", CultureInfo.InvariantCulture);
}
