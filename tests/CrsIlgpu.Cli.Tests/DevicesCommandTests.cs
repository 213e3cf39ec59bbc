using CrsIlgpu.Kernels.Runtime.Driver;

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
    public void DeviceCpuProbesTheCpuAcceleratorAndExitsZero()
    {
        var (code, output, error) = CliRunner.Run("devices", "--device", "cpu", "--json");
        Assert.True(code == 0, error);
        Assert.Equal("", error);
        using var doc = JsonDocument.Parse(output);
        var probe = doc.RootElement.GetProperty("probe");
        Assert.Equal("cpu", probe.GetProperty("requested").GetString());
        Assert.True(probe.GetProperty("passed").GetBoolean());
        Assert.Equal(0, probe.GetProperty("exit_code").GetInt32());
        Assert.Equal(JsonValueKind.Null, probe.GetProperty("error").ValueKind);
        var result = Assert.Single(probe.GetProperty("results").EnumerateArray());
        Assert.Equal("CPU", result.GetProperty("kind").GetString());
        Assert.Equal("axpby (Kernel_Axpby)", result.GetProperty("kernel").GetString());
        Assert.Equal(["context", "kernel", "upload", "launch", "synchronize", "download", "check"],
            result.GetProperty("steps").EnumerateArray().Select(s => s.GetProperty("stage").GetString()));
        Assert.All(result.GetProperty("steps").EnumerateArray(), s => Assert.True(s.GetProperty("ok").GetBoolean()));
        Assert.Equal(JsonValueKind.Null, result.GetProperty("failure").ValueKind);
        Assert.Equal("check", result.GetProperty("reached").GetString());
    }

    [Fact]
    public void TheTableShowsTheProbeOfEachDevice()
    {
        var (code, output, _) = CliRunner.Run("devices", "--device", "cpu");
        Assert.Equal(0, code);
        Assert.Contains("Probe (--device cpu): axpby (Kernel_Axpby) over 4099 values", output);
        Assert.Contains("passed", output);
        Assert.Matches(@"CPU accelerator \(ILGPU kernels\): context [\d.]+ ms, kernel [\d.]+ ms, .*check [\d.]+ ms", output);
    }

    [Fact]
    public void DeviceCudaWithoutAGpuSaysAtWhichStageAndExitsTwo()
    {
        if (File.Exists("/dev/nvidiactl"))
            Assert.Skip("this machine has an NVIDIA device");
        var (code, output, error) = CliRunner.Run("devices", "--device", "cuda");
        CliAssert.OneErrorLine(code, error, "error: --device cuda: no CUDA device ran the probe kernel: CUDA driver: failed at ");
        Assert.Contains("failed at", output);
        if (CudaDriverLibrary.SearchNow().Loaded is null)
            Assert.Contains("failed at library: libcuda.so.1 not found", error);
    }

    [Fact]
    public void DeviceCudaJsonKeepsTheReportAndTheErrorLine()
    {
        if (File.Exists("/dev/nvidiactl"))
            Assert.Skip("this machine has an NVIDIA device");
        var (code, output, error) = CliRunner.Run("devices", "--device", "cuda", "--json");
        CliAssert.OneErrorLine(code, error, "--device cuda: no CUDA device ran the probe kernel");
        using var doc = JsonDocument.Parse(output);
        var probe = doc.RootElement.GetProperty("probe");
        Assert.False(probe.GetProperty("passed").GetBoolean());
        Assert.Equal(2, probe.GetProperty("exit_code").GetInt32());
        Assert.Equal(error.Trim(), "error: " + probe.GetProperty("error").GetString());
        var result = Assert.Single(probe.GetProperty("results").EnumerateArray());
        Assert.Equal("Cuda", result.GetProperty("kind").GetString());
        Assert.False(string.IsNullOrEmpty(result.GetProperty("failure").GetProperty("stage").GetString()));
    }

    [Fact]
    public void ALibraryThatIsNoDriverHasEveryEntryPointReportedMissing()
    {
        // A real library, loaded for real, looked up for real: libc has none of the driver's functions.
        // In its own process, because the resolver's search is made once per process.
        var (code, output, error) = CrsProcess.Run(["devices", "--device", "cuda", "--json"],
            new Dictionary<string, string> { ["CRS_CUDA_LIBRARY"] = "libc.so.6" });

        CliAssert.OneErrorLine(code, error, "failed at entry_points: libc.so.6 lacks 48 of the 48 driver entry points ILGPU binds: cuInit,");
        using var doc = JsonDocument.Parse(output);
        var cuda = doc.RootElement.GetProperty("cuda");
        Assert.Equal("libc.so.6", cuda.GetProperty("library").GetProperty("loaded").GetString());
        Assert.Equal(48, cuda.GetProperty("missing_entry_points").GetArrayLength());
        Assert.Equal(JsonValueKind.Null, cuda.GetProperty("init_result").ValueKind);
        var result = Assert.Single(doc.RootElement.GetProperty("probe").GetProperty("results").EnumerateArray());
        Assert.Equal("entry_points", result.GetProperty("failure").GetProperty("stage").GetString());
        Assert.Equal(48, result.GetProperty("missing_entry_points").GetArrayLength());
        Assert.Equal(["library", "entry_points", "init"], result.GetProperty("steps").EnumerateArray().Select(s => s.GetProperty("stage").GetString()));
        Assert.Contains("libc.so.6 exports no cuInit", result.GetProperty("steps")[2].GetProperty("detail").GetString());
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
