namespace CrsIlgpu.Cli.Tests;

[Collection("console")]
public class BenchKernelCommandTests
{
    [Fact]
    public void TheExampleKernelIsCheckedAndTimed()
    {
        var json = Path.Combine(Directory.CreateTempSubdirectory("crs-bench-kernel-").FullName, "axpby.json");
        var (code, output, error) = CliRunner.Run("--device", "cpu", "bench", "kernel", "axpby", "--shape", "4096", "--json", json);
        Assert.True(code == 0, error);
        Assert.Contains("check passed", output);
        Assert.Contains("Kernel_Axpby", output);
        Assert.Contains("cpu-backend", output);
        Assert.Contains("reference", output);
        using var doc = JsonDocument.Parse(File.ReadAllText(json));
        Assert.True(doc.RootElement.GetProperty("check").GetProperty("passed").GetBoolean());
    }

    [Fact]
    public void KernelModeRunsTheIlgpuKernelOnTheCpuAccelerator()
    {
        var (code, output, error) = CliRunner.Run("--device", "cpu", "bench", "kernel", "gemm_tn", "--shape", "9,13,7", "--mode", "kernels", "--no-reference");
        Assert.True(code == 0, error);
        Assert.Contains("ILGPU kernels", output);
        Assert.Contains("ilgpu-kernel", output);
        Assert.Contains("check passed", output);
    }

    [Fact]
    public void AnUnknownKernelIsOneLineListingTheKnownOnes()
    {
        var (code, _, error) = CliRunner.Run("bench", "kernel", "my_kernel", "--shape", "4");
        Assert.Equal(2, code);
        var line = Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("error: no benchable kernel named 'my_kernel'; known: ", line);
        Assert.Contains("axpby", line);
        Assert.Contains("gemm_nn", line);
    }

    [Theory]
    [InlineData("gemm_nn", "64,64")]
    [InlineData("axpby", "-3")]
    [InlineData("softmax_forward", "4,four")]
    public void ABadShapeIsOneLine(string kernel, string shape)
    {
        var (code, _, error) = CliRunner.Run("bench", "kernel", kernel, "--shape", shape);
        Assert.Equal(2, code);
        var line = Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("error: --shape: ", line);
    }
}
