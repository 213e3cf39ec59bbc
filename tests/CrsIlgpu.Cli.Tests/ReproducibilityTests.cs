using System.Runtime.InteropServices;
using System.Diagnostics;
using System.Text.Json.Nodes;
using CrsIlgpu.Cli.Commands;
using CrsIlgpu.Kernels.Runtime;
using CrsIlgpu.Model.Checkpoint;
using CrsIlgpu.Tests.Shared;
using CrsIlgpu.Training.Trainer;

namespace CrsIlgpu.Cli.Tests;

/// <summary>
/// What a user relies on across processes: the same command gives the same bytes in every process,
/// a run stopped (by a signal, mid-epoch) and resumed in another process ends as the uninterrupted
/// one, and SIGTERM stops `crs train` like Ctrl+C, keeping a checkpoint at the last step. Each test
/// runs the built crs as separate processes on a tiny generated CIFAR-10 and a one-block ViT.
/// </summary>
public sealed class ReproducibilityTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("crs-repro-").FullName;
    private readonly string _data;
    private readonly string _model;

    public ReproducibilityTests()
    {
        _data = Path.Combine(_root, "data");
        TinyCifar.Write(_data, trainPerBatch: 16, test: 20);
        _model = TinyCifar.WriteConfig(_root);
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private string Run(string name) => Path.Combine(_root, name);

    private string[] Train(string run, int epochs, params string[] extra) =>
        ["train", "--device", "cpu", "--data", _data, "--packs", _root, "--model", _model, "--batch", "16", "--lr", "0.003", "--seed", "5",
         "--epochs", epochs.ToString(System.Globalization.CultureInfo.InvariantCulture), "--log-every", "1", "--out", Run(run), .. extra];

    private string[] Resume(string run) => ["train", "--device", "cpu", "--data", _data, "--packs", _root, "--resume", "--out", Run(run)];

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
        var options = new TrainingOptions { Model = _model, Batch = 16, LearningRate = 0.003, Seed = 5, Epochs = 2, LogEvery = 1 };
        using (var cancel = new CancellationTokenSource())
        using (var device = DeviceContext.Create(new DeviceOptions { Kind = DeviceKind.Cpu }))
        {
            var stop = new StopAt(epoch: 1, step: 3, cancel);
            Assert.ThrowsAny<OperationCanceledException>(() => new Trainer(device, options, Run("resumed"), _data, stop).Run(cancel: cancel.Token));
        }
        var state = TrainingCheckpoint.ReadState(TrainingCheckpoint.PathIn(Run("resumed")));
        Assert.Equal((0, 3), (state.EpochsDone, state.StepsInEpoch));

        var (code, output, error) = CrsProcess.Run(Resume("resumed"));
        Assert.True(code == 0, error + output);
        Assert.Contains("resuming in epoch 1 after step 3", output);
        AssertSameRun("straight", "resumed");
    }

    [Fact]
    public async Task SigtermStopsBetweenStepsKeepsACheckpointAndTheResumeInAnotherProcessEndsAsTheUninterruptedRun()
    {
        const int epochs = 20; // long enough (a checkpoint and two plots per epoch) that the signal lands mid-run
        Succeeds(CrsProcess.Run(Train("straight", epochs)));

        using (var process = CrsProcess.Start(Train("stopped", epochs)))
        {
            var (error, rest) = await SignalAfterFirstEpoch(process, PosixSignal.SIGTERM);
            Assert.True(process.ExitCode == TrainCommand.ExitTerminated, $"exit {process.ExitCode}\n{error}\n{rest}");
            Assert.Contains("SIGTERM: stopping after the current step", error);
            Assert.Contains($"stopped by SIGTERM; checkpoint {TrainingCheckpoint.PathIn(Run("stopped"))} holds epoch", error);
            Assert.Contains("crs train --resume --out", error);
            Assert.DoesNotContain("   at ", error);
        }
        var state = TrainingCheckpoint.ReadState(TrainingCheckpoint.PathIn(Run("stopped")));
        Assert.InRange(state.GlobalStep, 5, epochs * 5 - 1); // past epoch 1, before the end: the stop kept its last step
        Assert.Equal(state.GlobalStep, state.OptimizerStep);
        Assert.Empty(Directory.GetDirectories(Run("stopped"), "checkpoint.tmp-*"));

        Succeeds(CrsProcess.Run(Resume("stopped")));
        AssertSameRun("straight", "stopped");
    }

    [Fact]
    public async Task CtrlCAlsoStopsWithACheckpointAndExitCode130()
    {
        using var process = CrsProcess.Start(Train("interrupted", epochs: 20));
        var (error, rest) = await SignalAfterFirstEpoch(process, PosixSignal.SIGINT);
        Assert.True(process.ExitCode == TrainCommand.ExitInterrupted, $"exit {process.ExitCode}\n{error}\n{rest}");
        Assert.Contains("stopped by Ctrl+C (SIGINT); checkpoint", error);
        Assert.True(TrainingCheckpoint.ReadState(TrainingCheckpoint.PathIn(Run("interrupted"))).GlobalStep >= 5);
    }

    /// <summary>
    /// Sends the signal once crs has printed its first epoch line (the handlers are installed and a
    /// checkpoint exists) and waits for the process to end; returns its stderr and remaining stdout.
    /// </summary>
    private static async Task<(string Err, string Out)> SignalAfterFirstEpoch(Process process, PosixSignal signal)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromMinutes(3));
        var stderr = process.StandardError.ReadToEndAsync(timeout.Token);
        string? line;
        while ((line = await process.StandardOutput.ReadLineAsync(timeout.Token)) is not null && !line.StartsWith("epoch 1:", StringComparison.Ordinal))
        {
        }
        Assert.True(line is not null, "crs ended before its first epoch: " + await stderr);
        CrsProcess.Signal(process, signal);
        var rest = await process.StandardOutput.ReadToEndAsync(timeout.Token);
        await process.WaitForExitAsync(timeout.Token);
        return (await stderr, rest);
    }

    private sealed class StopAt(int epoch, int step, CancellationTokenSource cancel) : ITrainingObserver
    {
        public void StepDone(StepMetrics s)
        {
            if (s.Epoch == epoch && s.Step == step)
                cancel.Cancel();
        }
    }
}
