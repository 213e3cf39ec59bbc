using CrsIlgpu.Model.Checkpoint;
using CrsIlgpu.Training.Probe;
using CrsIlgpu.Training.Trainer;

namespace CrsIlgpu.Cli.Tests;

/// <summary>
/// `--probe-every` and `--estimator` as a user types them: a probed `crs train` in its own process
/// ends with the weight bytes of an unprobed one, logs every sampled site and reports the probe's
/// cost apart; bad intervals are one-line errors; `crs sweep` passes the probe through; the top-k
/// baseline says what it is.
/// </summary>
[Collection("console")]
public sealed class ProbeCommandTests() : TinyCifarCommandTests("crs-probe-")
{
    private string Run(string name) => Path.Combine(Root, name);

    private string[] Train(string run, params string[] extra) =>
        ["train", "--device", "cpu", "--data", DataDir, "--packs", Root, "--model", ModelFile, "--batch", "16", "--lr", "0.003", "--seed", "3",
         "--epochs", "1", "--ratio", "0.5", "--out", Run(run), .. extra];

    [Fact]
    public void AProbedRunInItsOwnProcessEndsWithTheUnprobedWeightsAndReportsTheProbeApart()
    {
        var plain = CrsProcess.Run(Train("plain"));
        Assert.True(plain.Code == 0, plain.Err + plain.Out);
        var probed = CrsProcess.Run(Train("probed", "--probe-every", "1"));
        Assert.True(probed.Code == 0, probed.Err + probed.Out);

        foreach (var file in new[] { ModelCheckpoint.WeightsFileName, TrainingCheckpoint.OptimizerFileName })
        {
            var a = File.ReadAllBytes(Path.Combine(Run("plain"), TrainingCheckpoint.FolderName, file));
            var b = File.ReadAllBytes(Path.Combine(Run("probed"), TrainingCheckpoint.FolderName, file));
            Assert.True(a.AsSpan().SequenceEqual(b), $"{file} differs with --probe-every 1");
        }
        var records = ProbeLog.Read(Run("probed"));
        Assert.Equal(5 * 5, records.Count); // 5 updates × the paper's 5 sites of the one block
        Assert.Equal([1, 2, 3, 4, 5], records.Select(r => r.Step).Distinct());
        Assert.Contains("gradient probe: 5 probe step(s)", probed.Out);
        Assert.Contains("left out of step times and img/s", probed.Out);
        Assert.Contains("+ gradient probe", probed.Out); // the epoch line
        Assert.Contains(Path.Combine(Run("probed"), "probe-fc1.png"), probed.Out);
        Assert.DoesNotContain("gradient probe", plain.Out);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-2")]
    public void ANonPositiveProbeIntervalIsAOneLineError(string every)
    {
        var (code, _, error) = CliRunner.Run(Train("bad", "--probe-every", every));
        Assert.Equal(2, code);
        Assert.Equal($"error: --probe-every must be a positive number of updates, got {every}", error.Trim());
        Assert.False(Directory.Exists(Run("bad")));
    }

    [Fact]
    public void AnUnknownEstimatorIsRejectedByTheParser()
    {
        var (code, _, error) = CliRunner.Run(Train("bad", "--estimator", "biased"));
        Assert.Equal(2, code);
        Assert.StartsWith("error: ", error);
        Assert.Contains("biased", error);
    }

    [Fact]
    public void TheTopKBaselineIsLabelledAndKeptInTheRunsSettings()
    {
        var (code, output, error) = CliRunner.Run(Train("topk", "--estimator", "topk", "--policy", "deferred"));
        Assert.True(code == 0, error + output);
        Assert.Contains("topk (biased baseline) Deferred rho=0.5", output);
        // A resume takes the estimator from the checkpoint and refuses another one typed.
        (code, _, error) = CliRunner.Run("train", "--device", "cpu", "--data", DataDir, "--out", Run("topk"), "--resume", "--estimator", "wtacrs");
        Assert.Equal(2, code);
        Assert.Contains("--estimator", error);
        (code, output, error) = CliRunner.Run("train", "--device", "cpu", "--data", DataDir, "--out", Run("topk"), "--resume", "--epochs", "2");
        Assert.True(code == 0, error + output);
        Assert.Contains("topk (biased baseline)", output);
    }

    [Fact]
    public void SweepPassesTheProbeAndTheEstimatorThrough()
    {
        var sweep = Run("sweep");
        string[] Args(string every) => ["sweep", "--device", "cpu", "--datasets", "cifar10", "--ratios", "1,0.5",
            "--epochs", "1", "--data", DataDir, "--packs", Root,
            "--model", ModelFile, "--batch", "16", "--estimator", "topk", "--probe-every", every, "--out", sweep];
        var (code, output, error) = CliRunner.Run(Args("2"));
        Assert.True(code == 0, error + output);
        Assert.Equal([2, 4], ProbeLog.Read(Sweep.CellFolder(sweep, "cifar10", 0.5)).Select(r => r.Step).Distinct());
        Assert.All(ProbeLog.Read(Sweep.CellFolder(sweep, "cifar10", 0.5)), r => Assert.Equal(r.K, r.Winners)); // top-k: c = k
        Assert.False(File.Exists(Path.Combine(Sweep.CellFolder(sweep, "cifar10", 1), ProbeLog.FileName))); // dense: nothing to probe
        var header = File.ReadAllLines(Path.Combine(sweep, Sweep.ResultsFileName))[0];
        Assert.Contains("topk (biased baseline)", header);
        Assert.Contains("gradient probe every 2 updates", header);

        // Another interval is another setting: the finished cells are not passed off as this one.
        (code, _, error) = CliRunner.Run(Args("3"));
        Assert.Equal(2, code);
        Assert.Contains("--probe-every: 2 there, 3 now", error);
    }
}
