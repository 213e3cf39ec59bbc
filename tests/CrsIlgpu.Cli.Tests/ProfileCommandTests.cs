namespace CrsIlgpu.Cli.Tests;

[Collection("console")]
public class ProfileCommandTests
{
    /// <summary>A one-block ViT on 8×8 images as a JSON config file (--model takes presets or files).</summary>
    private static string TinyModel(string dir)
    {
        var path = Path.Combine(dir, "tiny.json");
        File.WriteAllText(path, """{"name": "cli-tiny", "image_size": 8, "patch_size": 4, "dim": 32, "depth": 1, "heads": 2}""");
        return path;
    }

    [Fact]
    public void ProfileWritesJsonTraceAndPngAndPrintsThePhases()
    {
        var dir = Directory.CreateTempSubdirectory("crs-profile-").FullName;
        var outDir = Path.Combine(dir, "out", "nested");
        var (code, output, error) = CliRunner.Run("--device", "cpu", "profile", "--model", TinyModel(dir), "--batch", "2",
            "--steps", "2", "--warmup", "1", "--ratio", "0.5", "--out", outDir);
        Assert.True(code == 0, error);
        foreach (var phase in new[] { "forward", "backward", "wtacrs-selection", "optimizer", "phase total", "gemm_nt", "selection_wtacrs" })
            Assert.Contains(phase, output);
        Assert.Contains("unattributed", output);

        using var profile = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "profile.json")));
        var root = profile.RootElement;
        Assert.Equal("cli-tiny", root.GetProperty("model").GetString());
        Assert.Equal(2, root.GetProperty("steps").GetInt32());
        var shares = root.GetProperty("phases").EnumerateArray().Sum(p => p.GetProperty("share_percent").GetDouble());
        Assert.Equal(100, shares, 6);
        var launches = root.GetProperty("kernels").EnumerateArray().Sum(k => k.GetProperty("launches_per_step").GetDouble());

        using var trace = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "trace.json")));
        Assert.Equal(launches * 2, trace.RootElement.GetProperty("traceEvents").GetArrayLength());
        PngAssert.IsImage(Path.Combine(outDir, "profile.png"), 1000, 620);
    }

    [Fact]
    public void CompareModePrintsBothRatiosSideBySideWithTheDifference()
    {
        var dir = Directory.CreateTempSubdirectory("crs-profile-").FullName;
        var (code, output, error) = CliRunner.Run("--device", "cpu", "profile", "--model", TinyModel(dir), "--batch", "2",
            "--steps", "1", "--warmup", "1", "--compare-ratios", "1,0.5", "--out", dir);
        Assert.True(code == 0, error);
        Assert.Contains("ρ=1 (dense) ms", output);
        Assert.Contains("ρ=0.5 ms", output);
        Assert.Contains("difference ms", output);
        Assert.Contains("sampled_gemm_tn_presampled", output);
        Assert.True(File.Exists(Path.Combine(dir, "rho-1", "profile.json")));
        Assert.True(File.Exists(Path.Combine(dir, "rho-0.5", "trace.json")));
        using var compare = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "compare.json")));
        var rows = compare.RootElement.GetProperty("rows").EnumerateArray().ToList();
        var selection = rows.Single(r => r.GetProperty("phase").GetString() == "wtacrs-selection" && r.GetProperty("kernel").ValueKind == JsonValueKind.Null);
        Assert.Equal(0, selection.GetProperty("first_us").GetDouble()); // dense selects nothing
        Assert.True(selection.GetProperty("second_us").GetDouble() > 0);
    }

    [Theory]
    [InlineData("--compare-ratios", "1")]
    [InlineData("--compare-ratios", "1,0.5,0.3")]
    [InlineData("--ratio", "1.5")]
    [InlineData("--steps", "0")]
    [InlineData("--crs-layers", "fc3")]
    public void BadOptionsAreOneLineErrors(string option, string value)
    {
        var dir = Directory.CreateTempSubdirectory("crs-profile-").FullName;
        var (code, _, error) = CliRunner.Run("--device", "cpu", "profile", "--model", TinyModel(dir), "--batch", "2", option, value, "--out", dir);
        Assert.Equal(2, code);
        var line = Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("error: ", line);
        Assert.DoesNotContain(Directory.GetFiles(dir, "*.json", SearchOption.AllDirectories), f => !f.EndsWith("tiny.json"));
    }

    [Fact]
    public void ARatioOutOfRangeInTheComparisonNamesThatOption()
    {
        var dir = Directory.CreateTempSubdirectory("crs-profile-").FullName;
        var (code, _, error) = CliRunner.Run("--device", "cpu", "profile", "--model", TinyModel(dir), "--batch", "2",
            "--compare-ratios", "1,1.5", "--out", dir);
        Assert.Equal(2, code);
        Assert.Equal("error: --compare-ratios must be in (0, 1], got 1.5", error.Trim());
    }

    [Fact]
    public void NoSampledLayerProfilesDenseAtAnyRatioAsTrainingDoes()
    {
        var dir = Directory.CreateTempSubdirectory("crs-profile-").FullName;
        var (code, output, error) = CliRunner.Run("--device", "cpu", "profile", "--model", TinyModel(dir), "--batch", "2",
            "--steps", "1", "--warmup", "0", "--ratio", "0.5", "--crs-layers", "none", "--out", dir);
        Assert.True(code == 0, error);
        Assert.Contains("warning: --crs-layers none samples no layer", error);
        Assert.Contains("profile: cli-tiny, batch 2, dense,", output);
        Assert.DoesNotContain("selection_wtacrs", output);
    }

    [Fact]
    public void OutThatIsAFileIsAOneLineError()
    {
        var file = Path.GetTempFileName();
        var (code, _, error) = CliRunner.Run("--device", "cpu", "profile", "--batch", "2", "--out", file);
        Assert.Equal(2, code);
        Assert.Equal($"error: --out: '{file}' is a file, not a folder", error.Trim()); // the wording every --out uses
    }
}
