using System.Text.Json.Nodes;
using CrsIlgpu.Cli.Commands;
using CrsIlgpu.Kernels.Runtime;
using CrsIlgpu.Model.Checkpoint;
using CrsIlgpu.Training.Trainer;

namespace CrsIlgpu.Cli.Tests;

/// <summary>
/// What a user relies on across processes: the same command gives the same bytes in every process,
/// a run stopped (by a signal, mid-epoch) and resumed in another process ends as the uninterrupted
/// one, and SIGTERM stops `crs train` like Ctrl+C, keeping a checkpoint at the last step. Each test
/// runs the built crs as separate processes on a tiny generated CIFAR-10 and a one-block ViT.
/// </summary>
public sealed class ReproducibilityTests() : TinyCifarCommandTests("crs-repro-")
{
    private string Run(string name) => Path.Combine(Root, name);

    private string[] Train(string run, int epochs, params string[] extra) => Train(run, epochs, ModelFile, extra);

    private string[] Train(string run, int epochs, string model, params string[] extra) =>
        ["train", "--device", "cpu", "--data", DataDir, "--packs", Root, "--model", model, "--batch", "16", "--lr", "0.003", "--seed", "5",
         "--epochs", epochs.ToString(System.Globalization.CultureInfo.InvariantCulture), "--log-every", "1", "--out", Run(run), .. extra];

    private string[] Resume(string run) => ["train", "--device", "cpu", "--data", DataDir, "--packs", Root, "--resume", "--out", Run(run)];

    private static void Succeeds((int Code, string Out, string Err) result) => Assert.True(result.Code == 0, $"exit {result.Code}\n{result.Err}\n{result.Out}");

    /// <summary>Same weights, optimizer state and metrics (less wall-clock fields) in both run folders.</summary>
    private void AssertSameRun(string expected, string actual)
    {
        foreach (var file in new[] { ModelCheckpoint.WeightsFileName, TrainingCheckpoint.OptimizerFileName })
        {
            var a = File.ReadAllBytes(Path.Combine(Run(expected), TrainingCheckpoint.FolderName, file));
            var b = File.ReadAllBytes(Path.Combine(Run(actual), TrainingCheckpoint.FolderName, file));
            Assert.True(a.AsSpan().SequenceEqual(b), $"{file} differs between {expected} and {actual}");
        }
        Assert.Equal(UntimedMetrics(expected), UntimedMetrics(actual));
    }

    private List<string> UntimedMetrics(string run) => File.ReadAllLines(Path.Combine(Run(run), MetricsLog.JsonLinesFileName))
        .Where(l => l.Length > 0)
        .Select(line =>
        {
            var record = JsonNode.Parse(line)!.AsObject();
            foreach (var timed in new[] { "images_per_second", "train_seconds", "eval_seconds", "peak_bytes" })
                record.Remove(timed);
            return record.ToJsonString();
        }).ToList();

    [Fact]
    public void TheSameTrainingInTwoProcessesGivesTheSameBytesAndMetrics()
    {
        Succeeds(CrsProcess.Run(Train("first", epochs: 2)));
        Succeeds(CrsProcess.Run(Train("second", epochs: 2)));
        AssertSameRun("first", "second");
        Assert.Equal(12, UntimedMetrics("first").Count); // 2 × (5 steps + 1 epoch): the comparison saw every record
    }

    [Fact]
    public void AMidEpochCheckpointResumedInAnotherProcessEndsWithTheUninterruptedBytes()
    {
        Succeeds(CrsProcess.Run(Train("straight", epochs: 2)));

        // The first half in this process, stopped after step 3 of epoch 1 (what a signal does), with
        // exactly the options the command line above binds to.
        var options = new TrainingOptions { Model = ModelFile, Batch = 16, LearningRate = 0.003, Seed = 5, Epochs = 2, LogEvery = 1 };
        using (var cancel = new CancellationTokenSource())
        using (var device = DeviceContext.Create(new DeviceOptions { Kind = DeviceKind.Cpu }))
        {
            var stop = new StopAt(epoch: 1, step: 3, cancel);
            Assert.ThrowsAny<OperationCanceledException>(() => new Trainer(device, options, Run("resumed"), DataDir, stop).Run(cancel: cancel.Token));
        }
        var state = TrainingCheckpoint.ReadState(TrainingCheckpoint.PathIn(Run("resumed")));
        Assert.Equal((0, 3), (state.EpochsDone, state.StepsInEpoch));

        var (code, output, error) = CrsProcess.Run(Resume("resumed"));
        Assert.True(code == 0, error + output);
        Assert.Contains("resuming in epoch 1 after step 3", output);
        AssertSameRun("straight", "resumed");
    }

    /// <summary>
    /// A constant learning rate (no warm-up, minimum = peak) makes the schedule independent of
    /// --epochs, so a run configured for many epochs, stopped early, and one of fewer epochs are the
    /// same run up to where they stop. The signal tests use it so they need no timing: the stopped
    /// run is far too long to end before the signal, and the comparison is made at whatever point
    /// the signal landed.
    /// </summary>
    private static readonly string[] ConstantRate = ["--warmup", "0", "--min-lr", "0.003", "--checkpoint-every", "1"];

    [Fact]
    public void SigtermStopsBetweenStepsKeepsACheckpointAndTheResumeInAnotherProcessEndsAsTheUninterruptedRun()
    {
        var (code, output, error) = SignalAfterFirstCheckpoint("stopped", "TERM");
        Assert.True(code == TrainCommand.ExitTerminated, $"exit {code}\n{error}\n{output}");
        Assert.Contains("SIGTERM: stopping after the current step", error);
        Assert.Contains($"stopped by SIGTERM; checkpoint {TrainingCheckpoint.PathIn(Run("stopped"))} holds epoch", error);
        Assert.Contains("crs train --resume --out", error);
        Assert.DoesNotContain("   at ", error);
        var state = TrainingCheckpoint.ReadState(TrainingCheckpoint.PathIn(Run("stopped")));
        Assert.True(state.GlobalStep >= 1 && state.GlobalStep < LongRun * 5, $"checkpoint at update {state.GlobalStep}");
        Assert.Equal(state.GlobalStep, state.OptimizerStep);
        Assert.Equal(state.GlobalStep, state.EpochsDone * 5 + state.StepsInEpoch); // the stop kept its last step
        Assert.Empty(Directory.GetDirectories(Run("stopped"), "checkpoint.tmp-*"));

        // Resume in a new process up to one epoch past the stop, and compare with a straight run of that length.
        var epochs = state.EpochsDone + 2;
        Succeeds(CrsProcess.Run([.. Resume("stopped"), "--epochs", epochs.ToString(System.Globalization.CultureInfo.InvariantCulture)]));
        Succeeds(CrsProcess.Run(Train("straight", epochs, ConstantRate)));
        AssertSameRun("straight", "stopped");
    }

    [Fact]
    public void CtrlCAlsoStopsWithACheckpointAndExitCode130()
    {
        var (code, output, error) = SignalAfterFirstCheckpoint("interrupted", "INT");
        Assert.True(code == TrainCommand.ExitInterrupted, $"exit {code}\n{error}\n{output}");
        Assert.Contains("stopped by Ctrl+C (SIGINT); checkpoint", error);
        Assert.InRange(TrainingCheckpoint.ReadState(TrainingCheckpoint.PathIn(Run("interrupted"))).GlobalStep, 1, LongRun * 5 - 1);
    }

    private const int LongRun = 1000;

    /// <summary>A long constant-rate run signalled once its first step checkpoint exists (the handlers are installed by then).</summary>
    private (int Code, string Out, string Err) SignalAfterFirstCheckpoint(string run, string signal) =>
        CrsProcess.RunAndSignal(Train(run, LongRun, ConstantRate), Path.Combine(TrainingCheckpoint.PathIn(Run(run)), TrainingCheckpoint.StateFileName), signal);

    private sealed class StopAt(int epoch, int step, CancellationTokenSource cancel) : ITrainingObserver
    {
        public void StepDone(StepMetrics s)
        {
            if (s.Epoch == epoch && s.Step == step)
                cancel.Cancel();
        }
    }
}
