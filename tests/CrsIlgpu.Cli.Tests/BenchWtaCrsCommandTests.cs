namespace CrsIlgpu.Cli.Tests;

[Collection("console")]
public class BenchWtaCrsCommandTests
{
    [Fact]
    public void RatioOneIsExactAndSmallerRatiosDoLessWork()
    {
        var path = Path.Combine(Directory.CreateTempSubdirectory("crs-wtacrs-").FullName, "wtacrs.json");
        var png = Path.ChangeExtension(path, ".png");
        var (code, output, error) = CliRunner.Run("--device", "cpu", "bench", "wtacrs",
            "--sizes", "vit-tiny", "--ratios", "1,0.1", "--json", path, "--png", png);
        Assert.True(code == 0, error);
        Assert.Contains("sampled / dense", output);
        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        var rows = doc.RootElement.GetProperty("rows").EnumerateArray().ToList();
        Assert.Equal(2, rows.Count);
        Assert.Equal(8320, rows[0].GetProperty("budget").GetInt32());
        Assert.True(rows[0].GetProperty("relative_error").GetDouble() < 1e-5, "ρ = 1 keeps every row: the estimate is the dense gradient");
        Assert.Equal(832, rows[1].GetProperty("budget").GetInt32());
        Assert.True(rows[1].GetProperty("relative_error").GetDouble() > 0.01, "ρ = 0.1 is an estimate");
        Assert.True(rows[1].GetProperty("sampled_gemm_ms").GetDouble() < rows[0].GetProperty("sampled_gemm_ms").GetDouble());

        // Attention (vit-tiny: 384 (batch, head) problems of L = 65 query rows): k = L is exact, k = 10 estimates.
        var attention = doc.RootElement.GetProperty("attention_rows").EnumerateArray().ToList();
        Assert.Equal(2, attention.Count);
        Assert.Equal(384, attention[0].GetProperty("batch_heads").GetInt32());
        Assert.Equal(65, attention[0].GetProperty("budget").GetInt32());
        Assert.True(attention[0].GetProperty("value_error").GetDouble() < 1e-5 && attention[0].GetProperty("key_error").GetDouble() < 1e-5);
        Assert.Equal(10, attention[1].GetProperty("budget").GetInt32());
        Assert.True(attention[1].GetProperty("value_error").GetDouble() > 0.01 && attention[1].GetProperty("key_error").GetDouble() > 0.01);
        Assert.Contains("dK error", output);
        PngAssert.IsImage(png, 900, 520);
    }
}
