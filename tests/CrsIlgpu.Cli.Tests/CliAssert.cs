namespace CrsIlgpu.Cli.Tests;

/// <summary>How `crs` reports a user error: exit code 2 and one `error:` line (no stack trace) naming what was wrong.</summary>
public static class CliAssert
{
    public static void OneErrorLine(int code, string error, params string[] mentions)
    {
        Assert.True(code == 2, $"exit {code}: {error}");
        Assert.StartsWith("error: ", error);
        Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        foreach (var mention in mentions)
            Assert.Contains(mention, error);
        Assert.DoesNotContain("   at ", error);
    }
}
