using CrsIlgpu.Training.Profiling;

namespace CrsIlgpu.Training.Tests.Profiling;

public sealed class StepBenchTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("crs-step-bench-");

    public void Dispose() => _dir.Delete(recursive: true);

    /// <summary>A stand-in for vit_step_torch.py --serve: the same protocol, fixed times, and the arguments it got.</summary>
    private string FakeTorch(string body)
    {
        var path = Path.Combine(_dir.FullName, "fake_step.py");
        File.WriteAllText(path, "import json, sys\n" + body);
        return path;
    }

    private static bool HasPython() =>
        File.Exists("/usr/bin/python3") || (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Any(d => File.Exists(Path.Combine(d, "python3")));

    [Fact]
    public void CrsAndTheReferenceAlternateAndTheRatioIsTheirTimes()
    {
        if (!HasPython())
            Assert.Skip("no python3 on this machine");
        var argsFile = Path.Combine(_dir.FullName, "args.txt");
        var script = FakeTorch($$"""
            open({{System.Text.Json.JsonSerializer.Serialize(argsFile)}}, "w").write(" ".join(sys.argv[1:]))
            print(json.dumps({"ready": True}), flush=True)
            n = 0
            for line in sys.stdin:
                if line.strip() != "step":
                    break
                n += 1
                print(json.dumps({"ms": 1000.0 * n}), flush=True)
            print(json.dumps({"device": "cpu", "torch": "fake", "blas_core": "SkylakeX (SkylakeX)", "max_memory_allocated": 12345, "steps": n}), flush=True)
            """);
        using var device = DeviceContext.Create(new DeviceOptions { Kind = DeviceKind.Cpu });
        var row = Assert.Single(StepBench.Run(device, [("vit-cifar-tiny", 2)], warmup: 1, steps: 2, script: script));

        Assert.Null(row.PyTorchMissing);
        Assert.Equal(1500, row.PyTorchMs);
        Assert.Equal(1000, row.PyTorchMinMs);
        Assert.True(row.CrsMs > 0 && row.CrsMinMs <= row.CrsMs);
        Assert.Equal(1500 / row.CrsMs, row.Speedup!.Value, 9);
        Assert.Equal(2 / (row.CrsMs / 1e3), row.CrsImagesPerSecond, 9);
        Assert.Equal("SkylakeX (SkylakeX)", row.BlasCore);
        Assert.Equal("fake", row.PyTorchVersion);
        Assert.Equal(12345, row.PyTorchMaxMemoryAllocatedBytes);
        Assert.True(row.CrsPeakAllocatedBytes > 2_693_578 * 4 * 4, "weights, gradients and two AdamW moments at least");
        // The reference gets the same model, batch, optimizer and thread count.
        var args = File.ReadAllText(argsFile);
        Assert.Contains("--model vit-cifar-tiny --batch 2 --warmup 1 --optimizer adamw --weight-decay 0.05 --device cpu --serve", args);
        Assert.Contains($"--threads {CpuThreads.Count}", args);
    }

    [Fact]
    public void AReferenceThatFailsLeavesCrsFiguresAndSaysWhy()
    {
        if (!HasPython())
            Assert.Skip("no python3 on this machine");
        var script = FakeTorch("sys.stderr.write('error: torch is not installed\\n'); sys.exit(1)\n");
        using var device = DeviceContext.Create(new DeviceOptions { Kind = DeviceKind.Cpu });
        var row = Assert.Single(StepBench.Run(device, [("vit-cifar-tiny", 2)], warmup: 0, steps: 1, script: script));

        Assert.True(row.CrsMs > 0);
        Assert.Null(row.PyTorchMs);
        Assert.Null(row.Speedup);
        Assert.Contains("torch is not installed", row.PyTorchMissing);
    }

    [Theory]
    [InlineData("vit-cifar-tiny:128,vit-cifar-small:64")]
    [InlineData(" vit-b16:1 ")]
    public void CasesParse(string text) => Assert.NotEmpty(StepBench.ParseCases(text));

    [Theory]
    [InlineData("vit-cifar-tiny")]
    [InlineData("vit-cifar-tiny:0")]
    [InlineData("vit-cifar-tiny:-3")]
    [InlineData(":8")]
    [InlineData("")]
    public void BadCasesAreUserErrors(string text) => Assert.Throws<CrsException>(() => StepBench.ParseCases(text));
}
