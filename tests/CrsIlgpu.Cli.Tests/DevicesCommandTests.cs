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
        var cpu = doc.RootElement.GetProperty("devices").EnumerateArray().Single(d => d.GetProperty("kind").GetString() == "CPU");
        Assert.Equal(32, cpu.GetProperty("warp_size").GetInt32());
        Assert.True(cpu.GetProperty("memory_bytes").GetInt64() > 0);
        Assert.True(cpu.GetProperty("max_threads_per_group").GetInt32() >= 256);
    }

    [Fact]
    public void JsonSaysWhatTheCudaDriverAnswered()
    {
        var (code, output, _) = CliRunner.Run("devices", "--json");
        Assert.Equal(0, code);
        using var doc = JsonDocument.Parse(output);
        var cuda = doc.RootElement.GetProperty("cuda");
        var ilgpuCuda = doc.RootElement.GetProperty("devices").EnumerateArray().Count(d => d.GetProperty("kind").GetString() == "Cuda");
        Assert.Equal(ilgpuCuda, cuda.GetProperty("ilgpu_devices").GetInt32());
        Assert.Equal(ilgpuCuda > 0, cuda.GetProperty("usable").GetBoolean());
        Assert.False(string.IsNullOrEmpty(cuda.GetProperty("resolver").GetString()));
        var attempts = cuda.GetProperty("library").GetProperty("attempts").EnumerateArray().ToList();
        Assert.NotEmpty(attempts);
        Assert.Equal("libcuda.so.1", Path.GetFileName(attempts[0].GetProperty("path").GetString()));
        if (!cuda.GetProperty("api_supported").GetBoolean())
            Assert.Equal(JsonValueKind.Null, cuda.GetProperty("driver_version").ValueKind);
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
        Assert.StartsWith("error: --device cuda: no usable CUDA device: ", line);
        Assert.Contains("libcuda.so.1", line);
        Assert.DoesNotContain("   at ", error);
    }
}
