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
        CliAssert.OneErrorLine(code, error);
    }

    [Fact]
    public void UnknownDeviceIsRejectedByTheParser()
    {
        var (code, _, error) = CliRunner.Run("--device", "tpu", "devices");
        Assert.NotEqual(0, code);
        Assert.Contains("tpu", error);
    }

    [Theory]
    [InlineData("train --otu runs/x", "did you mean --out?")]
    [InlineData("train --dataset mnist", "'mnist'")]
    [InlineData("train --epochs abc", "'abc'")]
    [InlineData("trian", "did you mean train?")]
    [InlineData("memory --batch", "--batch")]
    public void ParseErrorsGiveOneErrorLineWithASuggestionAndExitCodeTwo(string line, string expected)
    {
        var (code, output, error) = CliRunner.Run(line.Split(' '));
        CliAssert.OneErrorLine(code, error, expected);
        Assert.DoesNotContain("Usage:", output + error); // not the whole help
    }

    [Theory]
    [InlineData("train --help")]
    [InlineData("train --bogus --help")]
    public void HelpStillWorks(string line)
    {
        var (code, output, _) = CliRunner.Run(line.Split(' '));
        Assert.Equal(0, code);
        Assert.Contains("--out", output);
    }
}
