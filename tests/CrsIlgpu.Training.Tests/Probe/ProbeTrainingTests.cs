using System.Text.Json.Nodes;
using CrsIlgpu.Model.Checkpoint;
using CrsIlgpu.Training.Probe;

namespace CrsIlgpu.Training.Tests.Probe;

/// <summary>
/// --probe-every in the trainer, on the tiny generated CIFAR-10 and a two-block ViT (2 epochs × 5
/// steps of 16): the weights are the bytes of the unprobed run, every probe step logs every sampled site,
/// the probe's time is kept apart, a resume keeps probe.jsonl consistent, and the top-k baseline
/// trains on its own rows.
/// </summary>
public sealed class ProbeTrainingTests : TinyCifarTests
{
    private readonly TrainingOptions _options;

    public ProbeTrainingTests() : base(trainPerBatch: 16, test: 20)
    {
        var model = Path.Combine(Temp.Path, "two-blocks.json");
        File.WriteAllText(model, File.ReadAllText(TinyCifar.WriteConfig(Temp.Path)).Replace("\"depth\": 1", "\"depth\": 2", StringComparison.Ordinal));
        _options = new TrainingOptions { Model = model, Epochs = 2, Batch = 16, LearningRate = 3e-3, LogEvery = 1, Seed = 7, Ratio = 0.5 };
    }

    private byte[] Checkpoint(string run, string file) => File.ReadAllBytes(Path.Combine(Temp.Combine(run), TrainingCheckpoint.FolderName, file));

    /// <summary>Metrics without wall-clock fields (and the probe's time, which only the probed run has).</summary>
    private static RunMetrics Untimed(RunMetrics m) => m switch
    {
        StepMetrics s => s with { ImagesPerSecond = 0, PeakBytes = 0, ProbeMs = null },
        EpochMetrics e => e with { ImagesPerSecond = 0, TrainSeconds = 0, EvalSeconds = 0, PeakBytes = 0, ProbeSeconds = null },
        _ => m,
    };

    [Theory]
    [InlineData("cached")]
    [InlineData("deferred")]
    public void TheProbeLeavesTheWeightsAsTheyWereAndLogsEverySampledSite(string policy)
    {
        var options = _options with { Policy = policy };
        Train(options, "plain");
        var result = Train(options with { ProbeEvery = 2 }, "probed");

        foreach (var file in new[] { ModelCheckpoint.WeightsFileName, TrainingCheckpoint.OptimizerFileName })
            Assert.True(Checkpoint("plain", file).AsSpan().SequenceEqual(Checkpoint("probed", file)), $"{file} differs with the probe");
        Assert.Equal(MetricsLog.Read(Temp.Combine("plain")).Select(Untimed), MetricsLog.Read(Temp.Combine("probed")).Select(Untimed));
        Assert.False(File.Exists(Path.Combine(Temp.Combine("plain"), ProbeLog.FileName)));

        // Updates 2, 4, …, 10 probed; two blocks × the paper's five sites each.
        var records = ProbeLog.Read(Temp.Combine("probed"));
        Assert.Equal(5 * 2 * 5, records.Count);
        Assert.Equal([2, 4, 6, 8, 10], records.Select(r => r.Step).Distinct());
        Assert.All(records, r => Assert.Equal(r.Step <= 5 ? 1 : 2, r.Epoch));
        Assert.Equal(["av", "fc1", "fc2", "proj", "qk"], records.Select(r => r.Site).Distinct().Order());
        Assert.Equal([0, 1], records.Select(r => r.Block).Distinct().Order());
        foreach (var r in records)
        {
            var attention = r.Site is "qk" or "av";
            Assert.Equal(attention ? (17, 10, 32) : (272, 136, 1), (r.N, r.K, r.Problems)); // 16 images × 17 tokens; attention per (image, head)
            Assert.InRange(r.Winners, 0, r.K);
            Assert.True(double.IsFinite(r.RelativeError) && r.ExactNorm > 0, $"{r.Site} at {r.Step}: {r.RelativeError}");
            // A NaN cosine only for an estimate of 0 (the Cached policy in the last block from epoch 2 on: see docs/wtacrs.md).
            Assert.True(r.SampledNorm == 0 ? double.IsNaN(r.Cosine) : r.Cosine > 0 && r.Cosine < 1 + 1e-12, $"{r.Site} at {r.Step}: cosine {r.Cosine}");
            // The first block's sums have many non-zero rows: sampling them leaves an error. (In the last block only
            // the class token's rows carry gradient, which the winners can cover: its attention sites come out exact.)
            if (r.Block == 0)
                Assert.True(r.RelativeError > 1e-5 && r.Cosine < 1 - 1e-9, $"block 0 {r.Site} at {r.Step}: {r.RelativeError}, {r.Cosine}");
        }
        foreach (var site in new[] { "qk", "av", "proj", "fc1", "fc2" })
        {
            var png = File.ReadAllBytes(Path.Combine(Temp.Combine("probed"), $"probe-{site}.png"));
            Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], png[..4]);
            Assert.True(png.Length > 10_000, $"probe-{site}.png: {png.Length} bytes, an empty plot?");
        }

        // Its time: on the probe steps' lines, per epoch, and in the run's summary.
        var steps = MetricsLog.Read(Temp.Combine("probed")).OfType<StepMetrics>().ToList();
        Assert.All(steps, s => Assert.Equal(s.GlobalStep % 2 == 0, s.ProbeMs is > 0));
        Assert.All(MetricsLog.Read(Temp.Combine("probed")).OfType<EpochMetrics>(), e => Assert.True(e.ProbeSeconds > 0));
        var summary = result.Probe!;
        Assert.Equal((5, 10), (summary.ProbeSteps, summary.TrainedSteps));
        Assert.True(summary.ProbeSeconds > 0 && summary.StepSeconds > 0 && summary.PeakBytes > 0);
        Assert.Equal(steps.Sum(s => s.ProbeMs ?? 0) / 1000, summary.ProbeSeconds, 1e-9);
    }

    [Fact]
    public void AResumeMidEpochContinuesProbeJsonlAsTheUninterruptedRunWroteIt()
    {
        var options = _options with { ProbeEvery = 3 };
        Train(options, "straight");
        using var cancel = new CancellationTokenSource();
        var stopInEpochTwo = new Observer { OnStep = s => { if (s.GlobalStep == 7) cancel.Cancel(); } };
        Assert.ThrowsAny<OperationCanceledException>(() => Train(options, "stopped", observer: stopInEpochTwo, cancel: cancel));
        Assert.Equal([3, 6], ProbeLog.Read(Temp.Combine("stopped")).Select(r => r.Step).Distinct());
        Train(CrsIlgpu.Training.Trainer.Trainer.Defaults with { Epochs = 0 }, "stopped", resume: true);

        static List<ProbeRecord> Untimed(List<ProbeRecord> records) => records.Select(r => r with { Milliseconds = 0 }).ToList();
        Assert.Equal(Untimed(ProbeLog.Read(Temp.Combine("straight"))), Untimed(ProbeLog.Read(Temp.Combine("stopped"))));
        Assert.True(Checkpoint("straight", ModelCheckpoint.WeightsFileName).AsSpan().SequenceEqual(Checkpoint("stopped", ModelCheckpoint.WeightsFileName)));
    }

    [Fact]
    public void ADenseRunHasNothingToProbeAndSaysSo()
    {
        var warnings = new List<string>();
        var result = Train(_options with { Ratio = 1, ProbeEvery = 1, Epochs = 1 }, "dense", observer: new Observer { OnWarning = warnings.Add });
        Assert.Null(result.Probe);
        Assert.Contains("nothing to probe", Assert.Single(warnings));
        Assert.False(File.Exists(Path.Combine(Temp.Combine("dense"), ProbeLog.FileName)));
    }

    /// <summary>
    /// --estimator topk trains on the k largest-score rows with scale 1: every probed site reports c = k
    /// (no draws), its error is not zero, its weights differ from WTA-CRS's, and the run says what it is.
    /// </summary>
    [Fact]
    public void TheTopKBaselineKeepsKWinnersAndIsLabelledAsBiased()
    {
        var options = _options with { Epochs = 1, Policy = "deferred", ProbeEvery = 1 };
        string? described = null;
        Train(options with { Estimator = "topk" }, "topk", observer: new Observer { OnStart = p => described = p.Sampling });
        Train(options, "wtacrs");
        Assert.StartsWith("topk (biased baseline)", described);
        var records = ProbeLog.Read(Temp.Combine("topk"));
        Assert.Equal(5 * 2 * 5, records.Count);
        Assert.All(records, r => Assert.Equal(r.K, r.Winners));
        Assert.All(records.Where(r => r.Block == 0), r => Assert.True(r.RelativeError > 1e-5, $"{r.Site}: {r.RelativeError}")); // the dropped rows' mass
        Assert.Contains(ProbeLog.Read(Temp.Combine("wtacrs")), r => r.Winners < r.K);
        Assert.False(Checkpoint("topk", ModelCheckpoint.WeightsFileName).AsSpan().SequenceEqual(Checkpoint("wtacrs", ModelCheckpoint.WeightsFileName)));
        var saved = JsonNode.Parse(File.ReadAllText(Path.Combine(Temp.Combine("topk"), TrainingCheckpoint.FolderName, TrainingCheckpoint.StateFileName)))!;
        Assert.Contains("\"topk\"", saved.ToJsonString()); // in the run's settings, so resume and sweep compare it
    }

    private sealed class Observer : ITrainingObserver
    {
        public Action<StepMetrics>? OnStep { get; init; }

        public Action<string>? OnWarning { get; init; }

        public Action<TrainingPlan>? OnStart { get; init; }

        public void Started(TrainingPlan plan) => OnStart?.Invoke(plan);

        public void StepDone(StepMetrics step) => OnStep?.Invoke(step);

        public void Warning(string message) => OnWarning?.Invoke(message);
    }
}
