namespace CrsIlgpu.Cli.Tests;

/// <summary>`crs train`, `crs eval` and `crs sweep` as a user runs them, on a tiny generated CIFAR-10 and a one-block ViT.</summary>
[Collection("console")]
public sealed class TrainCommandTests() : TinyCifarCommandTests("crs-train-")
{
    private string[] Train(string run, params string[] extra) =>
        ["train", "--device", "cpu", "--data", DataDir, "--packs", Root, "--model", ModelFile,
        "--batch", "16", "--lr", "0.003", "--out", Path.Combine(Root, run), .. extra];

    [Fact]
    public void TrainWritesMetricsCheckpointAndPlotsAndResumeAddsEpochs()
    {
        var run = Path.Combine(Root, "run");
        var (code, output, error) = CliRunner.Run(Train("run", "--epochs", "1"));
        Assert.True(code == 0, error + output);
        Assert.Contains("test accuracy", output);
        Assert.Contains("epoch 1: train loss", output);
        Assert.Contains(Path.Combine(run, "loss.png"), output);
        // The header's memory plan is crs memory --plan's peak for the same model and batch.
        var (memoryCode, memory, _) = CliRunner.Run(["memory", "--plan", "--model", ModelFile, "--batch", "16"]);
        Assert.Equal(0, memoryCode);
        var planned = long.Parse(System.Text.RegularExpressions.Regex.Match(memory, @"peak allocated [^(]*\(([0-9,]+) B\)").Groups[1].Value.Replace(",", ""));
        Assert.Contains($"memory plan: one training step peaks at {CrsIlgpu.Kernels.Runtime.Memory.ByteSize.Format(planned)} on the GPU kernel path", output);
        foreach (var file in new[] { "metrics.jsonl", "metrics.csv", "options.json",
            "checkpoint/model.safetensors", "checkpoint/config.json",
            "checkpoint/optimizer.safetensors", "checkpoint/trainer.json" })
            Assert.True(File.Exists(Path.Combine(run, file)), file);
        PngAssert.IsImage(Path.Combine(run, "loss.png"), 900, 520);
        PngAssert.IsImage(Path.Combine(run, "accuracy.png"), 900, 520);

        (code, output, error) = CliRunner.Run("train", "--device", "cpu", "--data", DataDir, "--out", run, "--resume", "--epochs", "2");
        Assert.True(code == 0, error + output);
        Assert.Contains("resuming after epoch 1", output);
        Assert.Contains("after 2 epoch(s)", output);
        Assert.Equal(3, File.ReadAllLines(Path.Combine(run, "metrics.csv")).Length);

        (code, _, error) = CliRunner.Run("train", "--data", DataDir, "--out", run, "--resume", "--lr", "0.1");
        Assert.Equal(2, code);
        Assert.StartsWith("error: --resume takes the run's settings", error);

        (code, _, error) = CliRunner.Run(Train("run", "--epochs", "1"));
        Assert.Equal(2, code);
        Assert.Contains("already holds a run", error);
    }

    [Fact]
    public void EvalPrintsTopOneAndPerClassAccuracy()
    {
        Assert.Equal(0, CliRunner.Run(Train("run", "--epochs", "1")).Code);
        var json = Path.Combine(Root, "eval.json");
        var (code, output, error) = CliRunner.Run("eval", "--device", "cpu", "--checkpoint", Path.Combine(Root, "run"),
            "--data", DataDir, "--packs", Root, "--json", json);
        Assert.True(code == 0, error + output);
        Assert.Contains("top-1 accuracy", output);
        Assert.Contains("airplane", output);
        using var doc = JsonDocument.Parse(File.ReadAllText(json));
        Assert.Equal(20, doc.RootElement.GetProperty("images").GetInt32());
        Assert.Equal(10, doc.RootElement.GetProperty("classes").GetArrayLength());
        var correct = doc.RootElement.GetProperty("classes").EnumerateArray().Sum(c => c.GetProperty("correct").GetInt32());
        Assert.Equal(doc.RootElement.GetProperty("accuracy").GetDouble(), correct / 20.0, 12);

        (code, _, error) = CliRunner.Run("eval", "--checkpoint", Path.Combine(Root, "nowhere"), "--data", DataDir);
        Assert.Equal(2, code);
        Assert.StartsWith("error: --checkpoint", error);
    }

    [Fact]
    public void SweepTabulatesEveryCellAndKeepsFinishedOnes()
    {
        var sweep = Path.Combine(Root, "sweep");
        string[] args = ["sweep", "--device", "cpu", "--datasets", "cifar10", "--ratios", "1,0.5", "--epochs", "1", "--data", DataDir, "--packs", Root,
            "--model", ModelFile, "--batch", "16", "--out", sweep];
        var (code, output, error) = CliRunner.Run(args);
        Assert.True(code == 0, error + output);
        var table = File.ReadAllLines(Path.Combine(sweep, "results.md")).Where(l => l.StartsWith("| cifar10", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, table.Count);
        Assert.Contains("| 1 |", table[0]);
        Assert.Contains("| 0.5 |", table[1]);
        Assert.Contains("1.000×", table[0]); // dense against itself
        PngAssert.IsImage(Path.Combine(sweep, "sweep-accuracy.png"), 900, 520);
        PngAssert.IsImage(Path.Combine(sweep, "sweep-memory.png"), 900, 520);

        (code, output, _) = CliRunner.Run(args);
        Assert.Equal(0, code);
        Assert.Equal(2, output.Split('\n').Count(l => l.Contains("already trained 1 epoch(s), kept")));
    }

    [Theory]
    [InlineData("--dataset", "mnist")]
    [InlineData("--policy", "lazy")]
    public void ValuesOutsideTheChoicesAreRejectedByTheParser(string option, string value)
    {
        var (code, _, error) = CliRunner.Run(Train("bad", option, value));
        Assert.NotEqual(0, code);
        Assert.Contains(value, error);
        Assert.DoesNotContain("   at ", error);
    }

    [Theory]
    [InlineData("--ratio", "0")]
    [InlineData("--epochs", "0")]
    [InlineData("--crs-layers", "fc9")]
    [InlineData("--clip-norm", "-1")]
    public void BadTrainOptionsAreOneLineErrors(string option, string value)
    {
        var (code, _, error) = CliRunner.Run(Train("bad", option, value));
        Assert.Equal(2, code);
        Assert.StartsWith("error", error.TrimStart());
        Assert.DoesNotContain("   at ", error);
    }

    [Fact]
    public void MissingDataNamesWhatWasLookedFor()
    {
        var empty = Directory.CreateDirectory(Path.Combine(Root, "empty")).FullName;
        var (code, _, error) = CliRunner.Run("train", "--data", empty, "--packs", empty, "--out", Path.Combine(Root, "x"));
        Assert.Equal(2, code);
        Assert.StartsWith("error: CIFAR-10 not found", error);
        Assert.DoesNotContain("   at ", error);
        Assert.False(Directory.Exists(Path.Combine(Root, "x", "checkpoint")));
    }

    [Fact]
    public void ResumeDropsATornLastMetricsLineWithAWarning()
    {
        var run = Path.Combine(Root, "run");
        Assert.Equal(0, CliRunner.Run(Train("run", "--epochs", "1")).Code);
        File.AppendAllText(Path.Combine(run, "metrics.jsonl"), "{\"kind\":\"step\",\"ep"); // what a crash mid-append leaves
        var (code, output, error) = CliRunner.Run("train", "--device", "cpu", "--data", DataDir, "--out", run, "--resume", "--epochs", "2");
        Assert.True(code == 0, error + output);
        Assert.Contains("warning: ", error);
        Assert.Contains("dropped an unreadable last line", error);
        Assert.Contains("after 2 epoch(s)", output);
    }

    [Fact]
    public void SweepRefusesCellsTrainedWithOtherSettingsAndCountsRepeatedValuesOnce()
    {
        var sweep = Path.Combine(Root, "sweep");
        string[] Args(string lr) => ["sweep", "--device", "cpu", "--datasets", "cifar10,cifar10", "--ratios", "1,1.0,1", "--epochs", "1", "--data", DataDir,
            "--packs", Root, "--model", ModelFile, "--batch", "16", "--lr", lr, "--out", sweep];
        var (code, output, error) = CliRunner.Run(Args("0.003"));
        Assert.True(code == 0, error + output);
        Assert.Single(File.ReadAllLines(Path.Combine(sweep, "results.md")), l => l.StartsWith("| cifar10", StringComparison.Ordinal));

        (code, output, error) = CliRunner.Run(Args("0.01"));
        Assert.Equal(2, code);
        Assert.StartsWith("error: ", error);
        Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("--lr: 0.003 there, 0.01 now", error);
        Assert.DoesNotContain("kept", output);
    }
}
