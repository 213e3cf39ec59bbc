using System.Text.Json;
using ILGPU;
using ILGPU.Runtime;

namespace CrsIlgpu.Kernels.Tests.Runtime;

public class ProfilerTests
{
    private static void Scale(Index1D i, ArrayView<float> x, float s) => x[i] *= s;

    [Fact]
    [KernelPath]
    public void CountsLaunchesPerKernelAndDerivesRates()
    {
        var accelerator = TestAccelerators.Accelerator;
        var profiler = new Profiler(accelerator.Synchronize) { Enabled = true };
        var kernel = accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, float>(Scale);
        using var buffer = accelerator.Allocate1D<float>(64);
        buffer.MemSetToZero();

        for (var i = 0; i < 3; i++)
        {
            using (profiler.Launch("scale", flops: 64, bytes: 512))
                kernel(64, buffer.View, 2f);
        }
        profiler.Phase = "backward";
        using (profiler.Launch("other"))
            kernel(64, buffer.View, 0.5f);

        var stats = profiler.Summary().ToDictionary(s => s.Kernel);
        Assert.Equal(3, stats["scale"].Launches);
        Assert.Equal(1, stats["other"].Launches);
        Assert.Equal(192, stats["scale"].Flops);
        Assert.True(stats["scale"].TotalUs > 0);
        Assert.True(stats["scale"].MinUs <= stats["scale"].MeanUs);
        Assert.Equal(stats["scale"].Flops / (stats["scale"].TotalUs * 1e3), stats["scale"].GflopsPerSecond);
        Assert.Null(stats["other"].GflopsPerSecond);

        var table = profiler.ToTable();
        Assert.Contains("scale", table);
        Assert.Contains("other", table);

        using var json = JsonDocument.Parse(profiler.ToJson());
        Assert.Equal(2, json.RootElement.GetProperty("kernels").GetArrayLength());
    }

    [Fact]
    [KernelPath]
    public void ChromeTraceHasOneCompleteEventPerLaunch()
    {
        var accelerator = TestAccelerators.Accelerator;
        var profiler = new Profiler(accelerator.Synchronize) { Enabled = true, Phase = "forward" };
        var kernel = accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, float>(Scale);
        using var buffer = accelerator.Allocate1D<float>(16);
        for (var i = 0; i < 5; i++)
        {
            using (profiler.Launch("scale", 16, 128))
                kernel(16, buffer.View, 1f);
        }

        using var trace = JsonDocument.Parse(profiler.ToChromeTrace());
        var events = trace.RootElement.GetProperty("traceEvents").EnumerateArray().ToList();
        Assert.Equal(5, events.Count);
        double lastEnd = 0;
        foreach (var e in events)
        {
            Assert.Equal("X", e.GetProperty("ph").GetString());
            Assert.Equal("scale", e.GetProperty("name").GetString());
            Assert.Equal("forward", e.GetProperty("cat").GetString());
            var ts = e.GetProperty("ts").GetDouble();
            var dur = e.GetProperty("dur").GetDouble();
            Assert.True(dur >= 0);
            Assert.True(ts >= lastEnd, "launches are sequential, so events must not overlap");
            lastEnd = ts + dur;
        }
    }

    [Fact]
    public void DisabledProfilerRecordsNothing()
    {
        var profiler = new Profiler(() => throw new InvalidOperationException("must not synchronize when disabled"));
        using (profiler.Launch("k", 1, 1))
        {
        }
        Assert.Empty(profiler.Launches);
    }
}
