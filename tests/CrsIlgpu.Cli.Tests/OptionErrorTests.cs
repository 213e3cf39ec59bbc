namespace CrsIlgpu.Cli.Tests;

[Collection("console")]
public class OptionErrorTests
{
    [Theory]
    [InlineData("kernels", "--arch", "sm_12")]
    [InlineData("bench", "gemm", "--sizes", "0")]
    [InlineData("bench", "gemm", "--sizes", "12,abc")]
    [InlineData("--memory-limit", "lots", "bench", "gemm", "--sizes", "8")]
    public void BadValuesGiveOneErrorLineAndExitCodeTwo(params string[] args)
    {
        var (code, _, error) = CliRunner.Run(args);
        Assert.Equal(2, code);
        Assert.StartsWith("error: ", error);
        Assert.DoesNotContain("   at ", error);
    }

    [Fact]
    public void UnknownDeviceIsRejectedByTheParser()
    {
        var (code, _, error) = CliRunner.Run("--device", "tpu", "devices");
        Assert.NotEqual(0, code);
        Assert.Contains("tpu", error);
    }
}
