using System.Diagnostics;
using CrsIlgpu.Kernels.Optim;
using CrsIlgpu.Model;
using CrsIlgpu.Model.Checkpoint;
using CrsIlgpu.Model.Sampling;
using CrsIlgpu.Training.Data;
using CrsIlgpu.Training.Memory;
using CrsIlgpu.Training.Optim;
using CrsIlgpu.Training.Plots;
using CrsIlgpu.Training.Probe;

namespace CrsIlgpu.Training.Trainer;

/// <summary>
/// A training run, top to bottom: batch → model forward/backward (fused loss) → Adam update with the
/// scheduled learning rate; after each epoch an evaluation on the test split, a metrics line, an
/// atomic checkpoint and the curve plots. Every <see cref="CheckpointEvery"/> updates, and when the
/// run is cancelled (Ctrl+C, SIGTERM: it stops between steps), a step checkpoint is written too. A
/// resume continues from the last checkpoint, at an epoch's end or mid-epoch, exactly as the
/// uninterrupted run would have (same data order, augmentation, sampling draws and optimizer state).
/// With <see cref="TrainingOptions.ProbeEvery"/> every N-th update is also a gradient-probe step
/// (<see cref="GradientProbe"/>): probe.jsonl and probe-SITE.png, the probe's time kept out of the
/// step times; the weights are those of the run without it.
/// </summary>
public sealed class Trainer(DeviceContext device, TrainingOptions options, string runDir, string dataDir, ITrainingObserver? observer = null)
{
    public const string LossPlotFileName = "loss.png";
    public const string AccuracyPlotFileName = "accuracy.png";
    public const string OptionsFileName = "options.json";

    /// <summary>
    /// Default of <see cref="CheckpointEvery"/>: 500 updates, about 3–4 minutes of vit-cifar-tiny at
    /// batch 64 on a 2-core CPU (a CIFAR-10 epoch is 782 such steps), so a stop loses little even
    /// inside one long epoch, while a GPU run is not slowed by saving every few seconds.
    /// </summary>
    public const int DefaultCheckpointEvery = 500;

    private readonly ITrainingObserver _observer = observer ?? new SilentObserver();

    /// <summary>Write a step checkpoint every this many updates (mid-epoch); 0: only at the end of each epoch and on a stop.</summary>
    public int CheckpointEvery { get; init; } = DefaultCheckpointEvery;

    /// <summary>The model while <see cref="Run"/> is in progress (tests reach it through the observer).</summary>
    public VisionTransformer? Model { get; private set; }

    public TrainingResult Run(bool resume = false, CancellationToken cancel = default)
    {
        var (state, checkpoint) = resume ? LoadState() : (null, null);
        // A resume takes every setting from the checkpoint; Epochs 0 there means "as many as planned".
        var run = state is null ? options : state.Options with { Epochs = options.Epochs > 0 ? options.Epochs : state.Options.Epochs };
        run.Validate();
        if (!resume && TrainingCheckpoint.Find(runDir) is { } existing)
            throw new CrsException($"{runDir} already holds a run (checkpoint {existing}); continue it with --resume or choose another --out");
        // A half-built checkpoint of a process that died (killed, disk full) would keep the disk full. Only
        // crs's own names: --out may be any folder. (Each atomic write cleans its own file's leftovers.)
        TemporaryFiles.CleanStale(runDir, TrainingCheckpoint.FolderName + ".tmp-");

        // A resume builds the model the checkpoint describes (a --model JSON file may have moved since).
        var config = checkpoint is null ? VitConfig.Resolve(run.Model) : ModelCheckpoint.ReadConfig(checkpoint);
        if (config.Channels != CifarImages.Channels)
            throw new CrsException($"--model {run.Model}: trains on RGB CIFAR images, but the model takes {config.Channels} channel(s)");
        var train = CifarDatasets.Load(run.Dataset, "train", dataDir);
        var test = CifarDatasets.Load(run.Dataset, "test", dataDir);
        var stats = ChannelStats.Compute(train); // of the whole split, so a limited run normalises like a full one
        if (run.TrainLimit > 0)
            train = train.Subset(run.TrainLimit, run.Seed);
        if (run.TestLimit > 0)
            test = test.Subset(run.TestLimit, 0);
        config = config.WithClasses(train.Classes);

        device.Pool.ResetPeak(); // this run's peak, also when one device serves several runs (crs sweep)
        var sampling = run.Sampling();
        var exampleSlots = sampling?.Policy == SamplingPolicy.Cached ? train.Count : 0;
        using var model = Model = new VisionTransformer(device, config, sampling, exampleSlots, run.Savers);
        model.Parameters.Initialize(run.Seed);
        if (checkpoint is null && run.Init is not null)
            foreach (var note in InitCheckpoint.Apply(run.Init, config, model.Parameters))
                _observer.Warning($"--init {run.Init}: {note}");
        using var optimizer = new AdamOptimizer(device, model.Parameters, Hyper(run, run.LearningRate), run.ClipNorm is { } clip ? (float)clip : null);
        using var readback = new StepReadback(device);
        using var imageStaging = new HostStaging<float>(device);
        using var labelStaging = new HostStaging<int>(device);
        if (checkpoint is not null)
            TrainingCheckpoint.Restore(checkpoint, model, optimizer, state!);

        var loader = new BatchLoader(train, run.Batch, Augmentation.Train(stats), run.Seed);
        var evalAugmentation = Augmentation.Eval(stats);
        var schedule = LearningRateSchedule.For(run, loader.BatchesPerEpoch);
        var startEpoch = state?.EpochsDone ?? 0;
        var startStep = state?.StepsInEpoch ?? 0;
        var globalStep = state?.GlobalStep ?? 0;
        if (startStep > loader.BatchesPerEpoch)
            throw new CrsException($"--resume: the checkpoint is at step {startStep} of an epoch of {loader.BatchesPerEpoch} steps");
        Directory.CreateDirectory(runDir);
        var metrics = MetricsLog.Open(runDir, keepThroughEpoch: startEpoch, keepThroughStep: globalStep, warn: _observer.Warning);
        var probe = StartProbe(run, model, sampling);
        var probeLog = probe is null ? null
            : ProbeLog.Open(runDir, globalStep, run.ProbeEvery, config.Depth * SiteCount(sampling!.Sites), _observer.Warning);
        var (probeSteps, probeSeconds, trainedSteps, stepSeconds, probePeak) = (0, 0.0, 0, 0.0, 0L);
        // Written once every check has passed, so a refused resume leaves the run's settings file as it was.
        AtomicFile.WriteAllText(Path.Combine(runDir, OptionsFileName), System.Text.Json.JsonSerializer.Serialize(run, TrainingCheckpoint.Json));
        // The memory plan is planned once, in the header of the run's first start: a resume keeps every setting, so the
        // plan would be the same, and the planner's step is not run again.
        _observer.Started(new TrainingPlan(run, config, model.Parameters.Count, device.Description, WtaCrsConfig.Describe(sampling),
            train.Count, test.Count, loader.BatchesPerEpoch, startEpoch, runDir)
        {
            StartStep = startStep,
            PlannedStepBytes = checkpoint is null ? PlanStep(run, config, sampling) : 0,
        });

        EpochMetrics? last = metrics.Epochs.LastOrDefault();
        EvaluationResult? evaluation = null;
        var plots = new List<string>();
        long runPeak = 0;
        var savedStep = globalStep; // the update the checkpoint on disk holds (when there is one)
        for (var epoch = startEpoch; epoch < run.Epochs; epoch++)
        {
            var clock = Stopwatch.StartNew();
            var resumed = epoch == startEpoch && state is not null;
            var step = resumed ? startStep : 0;
            var sums = resumed ? state!.EpochSoFar : default;
            var seenHere = 0;
            var epochProbeSeconds = 0.0;

            // Saves where the run stands inside this epoch; a resume continues from its next batch.
            void SaveStep()
            {
                TrainingCheckpoint.Save(runDir, model, optimizer,
                    new TrainerState(epoch, globalStep, optimizer.Step, model.Sampling?.Step ?? 0, run) { StepsInEpoch = step, EpochSoFar = sums });
                savedStep = globalStep;
            }

            // A stop (cancel) is honoured between steps: the step in flight finishes, its update is
            // checkpointed, then the cancellation propagates. The loader gets its own token so that
            // leaving the loop early also ends its producer task.
            using (var stopLoader = CancellationTokenSource.CreateLinkedTokenSource(cancel))
            {
                try
                {
                    foreach (var batch in loader.Epoch(epoch, step, stopLoader.Token).ToBlockingEnumerable())
                    {
                        var stepClock = Stopwatch.StartNew();
                        var probing = probe is not null && (globalStep + 1) % run.ProbeEvery == 0;
                        if (probing)
                            probe!.Begin();
                        var lr = schedule.At(globalStep);
                        optimizer.Hyper = Hyper(run, lr);
                        // The step is queued whole (uploads, forward, backward, update) and waits for the
                        // device once: the read-back of its loss, top-1 hits and gradient norm (issue 21).
                        using (var onDevice = new DeviceBatch(device, batch, config.ImageSize, imageStaging, labelStaging))
                        {
                            model.QueueStep(onDevice.Images, onDevice.Labels, readback,
                                (float)run.LabelSmoothing, examples: exampleSlots > 0 ? batch.Examples : null);
                            optimizer.Queue(readback.GradNorm);
                        }
                        readback.HasGradNorm = run.ClipNorm is not null;
                        var (loss, hits, norm) = readback.Read();
                        var measured = probing ? probe!.End() : null;
                        var probeTime = probing ? probe!.Elapsed.TotalSeconds : 0;
                        var stepTime = stepClock.Elapsed.TotalSeconds - probeTime;
                        if (!float.IsFinite(loss))
                            throw Diverged($"the loss is {loss}", epoch + 1, step + 1, globalStep + 1);
                        if (run.ClipNorm is not null && !float.IsFinite(norm))
                            throw Diverged($"the gradient norm is {norm}", epoch + 1, step + 1, globalStep + 1);
                        step++;
                        globalStep++;
                        sums = sums.Add(loss, hits, batch.Count);
                        seenHere += batch.Count;
                        var metric = new StepMetrics(epoch + 1, step, globalStep, loss, (double)hits / batch.Count, lr, norm,
                            batch.Count / stepTime, device.Pool.PeakAllocated)
                        { EpochLoss = sums.Loss, EpochAccuracy = sums.Accuracy, ProbeMs = probing ? 1000 * probeTime : null };
                        (trainedSteps, stepSeconds) = (trainedSteps + 1, stepSeconds + stepTime);
                        if (measured is not null)
                        {
                            probeLog!.Append(measured.Select(m => ProbeRecord.From(m, globalStep, epoch + 1)).ToList());
                            (probeSteps, probeSeconds, epochProbeSeconds) = (probeSteps + 1, probeSeconds + probeTime, epochProbeSeconds + probeTime);
                            probePeak = Math.Max(probePeak, probe!.PeakBytes);
                        }
                        if (step % run.LogEvery == 0 || step == loader.BatchesPerEpoch)
                            metrics.Append(metric);
                        _observer.StepDone(metric);
                        if (cancel.IsCancellationRequested)
                            break;
                        if (CheckpointEvery > 0 && globalStep % CheckpointEvery == 0 && step < loader.BatchesPerEpoch)
                            SaveStep();
                    }
                }
                catch (OperationCanceledException) when (cancel.IsCancellationRequested)
                {
                    // Cancelled while waiting for the next batch: the same stop as between steps.
                }
                finally
                {
                    stopLoader.Cancel();
                }
            }
            if (cancel.IsCancellationRequested)
            {
                if (globalStep > savedStep)
                    SaveStep();
                cancel.ThrowIfCancellationRequested();
            }
            var trainSeconds = clock.Elapsed.TotalSeconds - epochProbeSeconds;
            var trainPeak = device.Pool.PeakAllocated;
            runPeak = Math.Max(runPeak, trainPeak);
            var evalClock = Stopwatch.StartNew();
            var e = epoch + 1;
            try
            {
                evaluation = Evaluator.Run(device, model, test, evalAugmentation, Math.Max(run.Batch, 128),
                    (done, total) => _observer.Evaluating(e, done, total), cancel);
            }
            catch (OperationCanceledException) when (cancel.IsCancellationRequested)
            {
                // Stopped during the evaluation: keep the epoch's training; a resume evaluates it.
                if (globalStep > savedStep)
                    SaveStep();
                throw;
            }
            // The rate of the epoch's last update (a pure function of the update index, also after a resume).
            var lastRate = schedule.At(Math.Max(globalStep - 1, 0));
            last = new EpochMetrics(e, globalStep, sums.Loss, sums.Accuracy, evaluation.Loss, evaluation.Accuracy, lastRate,
                seenHere / trainSeconds, trainSeconds, evalClock.Elapsed.TotalSeconds, trainPeak)
            { EvalPeakBytes = evaluation.PeakBytes, ProbeSeconds = probe is null ? null : epochProbeSeconds };
            device.Pool.ResetPeak(); // the next epoch's peak is its training steps', not this evaluation's
            metrics.Append(last);
            TrainingCheckpoint.Save(runDir, model, optimizer,
                new TrainerState(e, globalStep, optimizer.Step, model.Sampling?.Step ?? 0, run));
            savedStep = globalStep;
            plots = WritePlots(metrics, run, probeLog);
            _observer.EpochDone(last, TrainingCheckpoint.PathIn(runDir));
        }
        Model = null;
        return new TrainingResult(runDir, last, evaluation, TrainingCheckpoint.Find(runDir), plots, Math.Max(runPeak, last?.PeakBytes ?? 0))
        {
            Probe = probe is null ? null : new ProbeSummary(probeSteps, probeSeconds, trainedSteps, stepSeconds, probePeak),
        };
    }

    /// <summary>The gradient probe when the run asks for one and samples some site; a dense run has nothing to probe (said once).</summary>
    private GradientProbe? StartProbe(TrainingOptions run, VisionTransformer model, WtaCrsConfig? sampling)
    {
        if (run.ProbeEvery <= 0)
            return null;
        if (model.Sampling is null || sampling is null)
        {
            _observer.Warning("--probe-every: this run is dense (no sampled site), so there is nothing to probe; no probe.jsonl is written");
            return null;
        }
        return model.Sampling.Probe = new GradientProbe(device);
    }

    /// <summary>
    /// The pool's peak of one training step of this run on the GPU kernel path, from the planner
    /// (`crs memory --plan`: no memory, no launches; seconds even for vit-b16), for the run's header.
    /// </summary>
    private static long PlanStep(TrainingOptions run, VitConfig config, WtaCrsConfig? sampling)
    {
        using var planner = DeviceContext.CreatePlanner();
        return StepMemory.Measure(planner, config, run.Batch, sampling: sampling, savers: run.Savers).Stats.PeakAllocated;
    }

    /// <summary>The number of sites in <paramref name="sites"/> (each gives one probe record per block and probe step).</summary>
    private static int SiteCount(SampledSite sites) => System.Numerics.BitOperations.PopCount((uint)sites);

    private (TrainerState, string) LoadState()
    {
        var checkpoint = TrainingCheckpoint.Find(runDir)
            ?? throw new CrsException($"--resume: {runDir} holds no checkpoint " +
                $"({TrainingCheckpoint.FolderName}/{TrainingCheckpoint.StateFileName}) to continue from");
        var state = TrainingCheckpoint.ReadState(checkpoint);
        var differences = SettingDifferences.Between(state.Options.Identity, options.Identity);
        if (differences.Count > 0 && options.Identity != Defaults.Identity)
            throw new CrsException($"--resume: {runDir} was trained with other settings ({string.Join(", ", differences)}); " +
                "resume takes them from the checkpoint, pass only --epochs");
        if (options.Epochs > 0 && options.Epochs < state.EpochsDone)
            throw new CrsException($"--resume: {runDir} has already trained {state.EpochsDone} epoch(s), more than --epochs {options.Epochs}");
        if (options.Epochs > 0 && options.Epochs == state.EpochsDone && state.StepsInEpoch > 0)
            throw new CrsException($"--resume: {runDir} is inside epoch {state.EpochsDone + 1} (checkpoint at {state.Describe()}); " +
                $"--epochs must be at least {state.EpochsDone + 1}");
        return (state, checkpoint);
    }

    /// <summary>What a resume passes when the user gave at most --epochs: every other setting then comes from the checkpoint.</summary>
    public static TrainingOptions Defaults { get; } = new();

    private TrainingDivergedException Diverged(string what, int epoch, int step, int update)
    {
        var checkpoint = TrainingCheckpoint.Find(runDir);
        var kept = checkpoint is null
            ? "no checkpoint had been written yet"
            : $"the last good checkpoint is {checkpoint} ({TrainingCheckpoint.ReadState(checkpoint).Describe()})";
        return new TrainingDivergedException($"{what} at epoch {epoch}, step {step} (update {update}); " +
            $"training stopped, {kept}. Try a lower --lr or --clip-norm.");
    }

    private List<string> WritePlots(MetricsLog metrics, TrainingOptions run, ProbeLog? probeLog)
    {
        var sampling = run.Sampling();
        var title = $"{run.Model} on {run.Dataset}, {(sampling is null ? "dense" : $"{WtaCrsConfig.EstimatorLabel(sampling.Estimator)} ρ = {run.Ratio}")}";
        var loss = Path.Combine(runDir, LossPlotFileName);
        var accuracy = Path.Combine(runDir, AccuracyPlotFileName);
        TrainingCurvesPlot.SaveLoss(metrics.Steps.ToList(), metrics.Epochs.ToList(), loss, title);
        TrainingCurvesPlot.SaveAccuracy(metrics.Epochs.ToList(), accuracy, title);
        return [loss, accuracy, .. probeLog is null ? [] : ProbePlot.SaveAll(probeLog.Records, runDir, title)];
    }

    private static AdamHyperParameters Hyper(TrainingOptions run, double lr) => run.Optimizer == "adamw"
        ? AdamHyperParameters.AdamW(lr, run.WeightDecay)
        : AdamHyperParameters.Adam(lr, run.WeightDecay);

    private sealed class SilentObserver : ITrainingObserver;
}
