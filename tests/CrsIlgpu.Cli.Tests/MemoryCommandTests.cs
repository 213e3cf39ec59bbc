namespace CrsIlgpu.Cli.Tests;

[Collection("console")]
public class MemoryCommandTests
{
    [Fact]
    public void PlanComparesRatiosAndWritesJson()
    {
        var path = Path.Combine(Directory.CreateTempSubdirectory("crs-mem-").FullName, "memory.json");
        var png = Path.ChangeExtension(path, ".png");
        var (code, output, error) = CliRunner.Run("memory", "--model", "vit-cifar-tiny", "--batch", "4", "--plan",
            "--ratios", "1,0.3", "--json", path, "--png", png);
        Assert.True(code == 0, error);
        Assert.Contains("peak allocated", output);
        Assert.Contains("saved for backward", output);
        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        var reports = doc.RootElement.EnumerateArray().ToList();
        Assert.Equal(2, reports.Count);
        var dense = reports[0].GetProperty("stats").GetProperty("peak_allocated").GetInt64();
        var sampled = reports[1].GetProperty("stats").GetProperty("peak_allocated").GetInt64();
        Assert.True(sampled < dense, $"ρ = 0.3 peak {sampled} should be below dense {dense}");
        Assert.Equal(JsonValueKind.Null, reports[0].GetProperty("loss").ValueKind); // a plan computes no loss
        PngAssert.IsImage(png, 900, 520);
    }

    [Fact]
    public void MaxBatchFindsTheLargestBatchPerCapacityAndRatio()
    {
        var dir = Directory.CreateTempSubdirectory("crs-mem-").FullName;
        var (json, png) = (Path.Combine(dir, "max.json"), Path.Combine(dir, "max.png"));
        var (code, output, error) = CliRunner.Run("memory", "--model", "vit-cifar-tiny", "--max-batch", "--capacity", "64MiB,128MiB",
            "--ratios", "1,0.3", "--json", json, "--png", png);
        Assert.True(code == 0, error);
        Assert.Contains("largest batch", output);
        using var doc = JsonDocument.Parse(File.ReadAllText(json));
        var results = doc.RootElement.GetProperty("results").EnumerateArray().ToList();
        Assert.Equal(4, results.Count); // 2 capacities × 2 ratios
        int Batch(int i) => results[i].GetProperty("max_batch").GetInt32();
        Assert.True(Batch(1) > Batch(0), "ρ = 0.3 fits more than dense");
        Assert.True(Batch(2) > Batch(0), "twice the memory fits more");
        PngAssert.IsImage(png, 900, 520);
    }

    [Theory]
    [InlineData("--max-batch --batch 8 --capacity 1GiB", "exclude each other")]
    [InlineData("--max-batch", "needs --capacity")]
    [InlineData("--max-batch --capacity 1GiB,lots", "'lots'")]
    public void MaxBatchOptionErrorsAreOneLine(string args, string expected)
    {
        var (code, _, error) = CliRunner.Run(["memory", .. args.Split(' ')]);
        CliAssert.OneErrorLine(code, error, expected);
    }

    [Fact]
    public void PaperSitesWithAttentionRecomputeRunEndToEnd()
    {
        var dir = Directory.CreateTempSubdirectory("crs-mem-").FullName;
        var path = Path.Combine(dir, "paper.json");
        // Executed (not planned): forward, loss, backward with proj/fc1/fc2 Cached and qk/av sampled, Adam.
        var (code, output, error) = CliRunner.Run("memory", "--model", "vit-cifar-tiny", "--batch", "2", "--ratios", "1,0.3",
            "--crs-layers", "paper", "--recompute-attention", "--json", path);
        Assert.True(code == 0, error);
        Assert.Contains("attention recomputed", output);
        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        var reports = doc.RootElement.EnumerateArray().ToList();
        Assert.Equal(2, reports.Count);
        Assert.All(reports, r => Assert.True(r.GetProperty("savers").GetProperty("recompute_attention").GetBoolean()));
        var sampling = reports[1].GetProperty("sampling").GetString()!;
        Assert.Contains("Qk", sampling);
        Assert.Contains("Av", sampling);
        // Sampling changes no forward value: the same loss; the sampled step keeps less.
        Assert.Equal(reports[0].GetProperty("loss").GetDouble(), reports[1].GetProperty("loss").GetDouble());
        Assert.True(reports[1].GetProperty("stats").GetProperty("peak_allocated").GetInt64() <
            reports[0].GetProperty("stats").GetProperty("peak_allocated").GetInt64());

        // The option reaches the model: a plan with recompute peaks lower than one without.
        long PlannedPeak(params string[] extra)
        {
            var file = Path.Combine(dir, $"plan{extra.Length}.json");
            var (planCode, _, planError) = CliRunner.Run(["memory", "--model", "vit-cifar-tiny", "--batch", "4", "--plan", "--json", file, .. extra]);
            Assert.True(planCode == 0, planError);
            using var plan = JsonDocument.Parse(File.ReadAllText(file));
            return plan.RootElement[0].GetProperty("stats").GetProperty("peak_allocated").GetInt64();
        }
        var dense = PlannedPeak();
        Assert.True(PlannedPeak("--recompute-attention") < dense);
        Assert.True(PlannedPeak("--recompute-gelu") < dense);
        // The preset is every saver: exactly the two flags together.
        Assert.True(PlannedPeak("--layernorm-from-output") < dense);
        Assert.Equal(PlannedPeak("--recompute-attention", "--recompute-gelu", "--layernorm-from-output"), PlannedPeak("--memory", "lean"));
        Assert.True(PlannedPeak("--memory", "lean") < PlannedPeak("--recompute-attention"));
    }

    [Theory]
    [InlineData("--ratios", "0")]
    [InlineData("--ratios", "1.5")]
    [InlineData("--crs-layers", "fc3")]
    [InlineData("--model", "vit-huge")]
    [InlineData("--batch", "0")]
    [InlineData("--memory", "huge")]
    public void BadOptionsAreOneLineErrors(string option, string value)
    {
        var (code, _, error) = CliRunner.Run("memory", "--plan", option, value);
        CliAssert.OneErrorLine(code, error);
    }

    [Fact]
    public void PastTheMemoryLimitIsAOneLineErrorNamingTheTags()
    {
        var (code, _, error) = CliRunner.Run("--memory-limit", "100MiB", "memory", "--model", "vit-cifar-tiny", "--batch", "128", "--plan");
        Assert.Equal(3, code);
        var line = Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("error: out of device memory (past the limit)", line);
        Assert.Contains("limit 100.0 MiB", line);
        Assert.Contains("largest live tags: SavedForBackward", line);
    }

    [Fact]
    public void APlanOfTheLargestAddressableBatchWorksAndOneMoreIsRefusedInOneLine()
    {
        // vit-b16's MLP activations [batch·197, 3072] are its largest tensor: 3548 images fit in 2^31-1 values.
        var (code, output, error) = CliRunner.Run("memory", "--plan", "--model", "vit-b16", "--batch", "3548");
        Assert.True(code == 0, error);
        Assert.Contains("peak allocated", output);

        foreach (var batch in new[] { "3549", "8192" })
        {
            (code, _, error) = CliRunner.Run("memory", "--plan", "--model", "vit-b16", "--batch", batch);
            Assert.Equal(2, code);
            Assert.StartsWith($"error: --batch {batch}: vit-b16's MLP hidden activations", error);
            Assert.Contains("the largest batch for this model is 3548", error);
            Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        }
    }

    [Theory]
    [InlineData("\"depth\": 100000000", "depth 100000000")]
    [InlineData("\"dim\": 1000000, \"mlp_ratio\": 2000", "would hold")]
    public void AnAbsurdModelConfigFailsAtOnce(string size, string expected)
    {
        var path = Path.Combine(Directory.CreateTempSubdirectory("crs-mem-").FullName, "absurd.json");
        var json = "{\"name\": \"absurd\", \"image_size\": 32, \"patch_size\": 4, \"dim\": 16, " +
            "\"depth\": 1, \"heads\": 2, \"mlp_ratio\": 2, \"num_classes\": 10}";
        foreach (var part in size.Split(", "))
        {
            var key = part[..(part.IndexOf(':') + 1)];
            var start = json.IndexOf(key, StringComparison.Ordinal);
            var end = json.IndexOfAny([',', '}'], start);
            json = json[..start] + part + json[end..];
        }
        File.WriteAllText(path, json);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var (code, _, error) = CliRunner.Run("memory", "--plan", "--model", path);
        Assert.Equal(2, code);
        Assert.Contains(expected, error);
        Assert.True(clock.Elapsed.TotalSeconds < 10, $"took {clock.Elapsed.TotalSeconds:F1} s");
    }
}
