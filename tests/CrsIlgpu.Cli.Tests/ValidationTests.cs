using System.Text.Json.Nodes;
using CrsIlgpu.Model.Checkpoint;

namespace CrsIlgpu.Cli.Tests;

/// <summary>Settings and files that used to be accepted silently, or reported as if the user had typed them.</summary>
[Collection("console")]
public sealed class ValidationTests() : TinyCifarCommandTests("crs-valid-")
{
    private string Run => Path.Combine(Root, "run");

    private string[] Train(params string[] extra) =>
        ["train", "--device", "cpu", "--data", DataDir, "--packs", Root, "--model", ModelFile, "--batch", "16", "--epochs", "1", "--out", Run, .. extra];

    private string[] Resume(int epochs) => ["train", "--device", "cpu", "--data", DataDir, "--out", Run,
        "--resume", "--epochs", epochs.ToString(System.Globalization.CultureInfo.InvariantCulture)];

    private string StateFile => Path.Combine(Run, "checkpoint", "trainer.json");

    private void TrainOnce()
    {
        var (code, output, error) = CliRunner.Run(Train());
        Assert.True(code == 0, error + output);
    }

    private void EditState(Action<JsonObject> edit)
    {
        var json = JsonNode.Parse(File.ReadAllText(StateFile))!.AsObject();
        edit(json);
        File.WriteAllText(StateFile, json.ToJsonString());
    }

    [Fact]
    public void NegativeCountersInTrainerJsonAreRefusedNamingTheFile()
    {
        TrainOnce();
        EditState(s => s["epochs_done"] = -3);
        var (code, _, error) = CliRunner.Run(Resume(2));
        CliAssert.OneErrorLine(code, error, StateFile);
        Assert.Contains("negative", error);
    }

    [Fact]
    public void AnInvalidSettingInACheckpointNamesTheFileNotTheOption()
    {
        TrainOnce();
        EditState(s => s["options"]!["learning_rate"] = -1);
        var (code, _, error) = CliRunner.Run(Resume(2));
        CliAssert.OneErrorLine(code, error, StateFile);
        Assert.DoesNotContain("error: --lr", error);
    }

    [Fact]
    public void AFailedResumeLeavesOptionsJsonAsItWas()
    {
        TrainOnce();
        var options = Path.Combine(Run, "options.json");
        var before = File.ReadAllText(options);
        var metrics = Path.Combine(Run, "metrics.jsonl");
        File.WriteAllText(metrics, "damaged\n" + File.ReadAllText(metrics));
        var (code, _, error) = CliRunner.Run(Resume(3));
        CliAssert.OneErrorLine(code, error, "metrics.jsonl:1");
        Assert.Equal(before, File.ReadAllText(options));
    }

    [Fact]
    public void SamplingOptionsAtRatioOneAreWarnedAbout()
    {
        var (code, output, error) = CliRunner.Run(Train("--policy", "deferred", "--crs-layers", "fc1"));
        Assert.True(code == 0, error + output);
        Assert.Contains("warning: --policy and --crs-layers have no effect at keep ratio 1", error);
    }

    [Fact]
    public void EvalOfNonFiniteWeightsWarnsAndFails()
    {
        TrainOnce();
        var weights = Path.Combine(Run, "checkpoint", "model.safetensors");
        var content = SafetensorsFile.Read(weights);
        SafetensorsFile.Write(weights, content.Tensors.Select(t => (t.Key, t.Value.Shape, t.Value.Data.Select(_ => float.NaN).ToArray())).ToList());
        var (code, output, error) = CliRunner.Run("eval", "--device", "cpu", "--checkpoint", Run, "--data", DataDir);
        Assert.True(code == 4, $"exit {code}: {error}{output}");
        Assert.Contains("warning: the test loss is NaN", error);
    }

    [Theory]
    [InlineData("eval --test-limit -1", "--test-limit")]
    [InlineData("train --ratio 0.5 --crs-layers ,", "--crs-layers: empty")]
    [InlineData("memory --capacity 1GiB --batch 2", "--capacity applies only with --plan")]
    public void SilentlyIgnoredValuesAreRefused(string line, string expected)
    {
        if (line.StartsWith("eval", StringComparison.Ordinal))
            TrainOnce();
        string[] args = line.StartsWith("eval", StringComparison.Ordinal) ? [.. line.Split(' '), "--device", "cpu", "--checkpoint", Run, "--data", DataDir]
            : line.StartsWith("train", StringComparison.Ordinal) ? [.. Train(), .. line.Split(' ').Skip(1)]
            : line.Split(' ');
        var (code, _, error) = CliRunner.Run(args);
        CliAssert.OneErrorLine(code, error, expected);
    }

    [Fact]
    public void EmptyCrsLayersAreRefused()
    {
        var (code, _, error) = CliRunner.Run([.. Train(), "--ratio", "0.5", "--crs-layers", ""]);
        CliAssert.OneErrorLine(code, error, "--crs-layers: empty");
    }

    [Fact]
    public void TheMissingDataHintNamesThePacksFolderGiven()
    {
        var empty = Directory.CreateDirectory(Path.Combine(Root, "empty")).FullName;
        var packs = Directory.CreateDirectory(Path.Combine(Root, "my-packs")).FullName;
        var (code, _, error) = CliRunner.Run("train", "--device", "cpu", "--data", empty, "--packs", packs, "--out", Run);
        CliAssert.OneErrorLine(code, error, Path.Combine(packs, "cifar-10-jpg.tar.gz"));
        Assert.DoesNotContain("../shared/data", error);
    }

    [Fact]
    public void ProfileOnAMissingDeviceCreatesNoOutFolder()
    {
        var dir = Path.Combine(Root, "profile");
        var (code, _, error) = CliRunner.Run("profile", "--device", "cuda", "--batch", "2", "--steps", "1", "--warmup", "0", "--out", dir);
        if (code == 0)
            return; // a GPU machine: the profile ran and wrote its folder, as it should
        Assert.Contains("cuda", error);
        Assert.False(Directory.Exists(dir), "profile created --out before failing");
    }
}
