using System.Text.Json;

namespace CrsIlgpu.Cli.Tests;

[Collection("console")]
public class DevicesCommandTests
{
    [Fact]
    public void JsonListsTheCpuAcceleratorWithItsProperties()
    {
        var (code, output, _) = CliRunner.Run("devices", "--json");
        Assert.Equal(0, code);
        using var doc = JsonDocument.Parse(output);
        var cpu = doc.RootElement.EnumerateArray().Single(d => d.GetProperty("kind").GetString() == "CPU");
        Assert.Equal(32, cpu.GetProperty("warp_size").GetInt32());
        Assert.True(cpu.GetProperty("memory_bytes").GetInt64() > 0);
        Assert.True(cpu.GetProperty("max_threads_per_group").GetInt32() >= 256);
    }

    [Fact]
    public void CudaWithoutGpuIsOneLineAndExitCodeTwo()
    {
        if (File.Exists("/dev/nvidiactl"))
            Assert.Skip("this machine has an NVIDIA device");
        var (code, output, error) = CliRunner.Run("--device", "cuda", "bench", "gemm", "--sizes", "8");
        Assert.Equal(2, code);
        Assert.Equal("", output);
        var line = Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("error: --device cuda: ", line);
        Assert.DoesNotContain("   at ", error);
    }
}
