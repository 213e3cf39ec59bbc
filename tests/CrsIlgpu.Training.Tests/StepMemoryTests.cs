using CrsIlgpu.Kernels.Runtime.Memory;
using CrsIlgpu.Model.Sampling;
using CrsIlgpu.Training.Memory;

namespace CrsIlgpu.Training.Tests;

public class StepMemoryTests
{
    private static readonly VitConfig Small = new()
    {
        Name = "test-small", ImageSize = 8, PatchSize = 4, Channels = 3, Dim = 8, Depth = 2, Heads = 2, NumClasses = 5,
    };

    [Fact]
    public void SavedBytesPerLayerTypeMatchAHandCount()
    {
        const int b = 3;
        using var device = TestDevices.Create("cpu");
        var report = StepMemory.Measure(device, Small, b);

        // B=3 images, L=5 tokens (4 patches + class), D=8, H=2 heads, hidden=32, patch inputs 3·4·4=48, fp32.
        int l = 5, d = 8, h = 2, hidden = 32, depth = 2;
        long f = sizeof(float);
        var expected = new Dictionary<string, long>
        {
            // Per block: q, k, v and the merged head output [B·L, D] each, the attention matrix [B·H, L, L].
            [SavedBytesByLayer.Attention] = depth * (4L * b * l * d + (long)b * h * l * l) * f,
            // Per block: fc1's output and GELU's output, [B·L, hidden] each.
            [SavedBytesByLayer.Mlp] = depth * 2L * b * l * hidden * f,
            // Per block, norm1 and norm2: output [B·L, D], mean and rstd [B·L].
            [SavedBytesByLayer.LayerNorm] = depth * 2L * ((long)b * l * d + 2L * b * l) * f,
            // Per block: its input and the mid-block residual [B·L, D] (the last output goes to the head and is freed).
            [SavedBytesByLayer.Residual] = depth * 2L * b * l * d * f,
            // The patch rows [B·4, 48] that dW of the patch projection needs.
            [SavedBytesByLayer.PatchEmbed] = (long)b * 4 * 48 * f,
            // Class-token rows, their LayerNorm output [B, D] and its mean/rstd [B].
            [SavedBytesByLayer.Head] = (2L * b * d + 2L * b) * f,
        };
        Assert.Equal(expected.OrderBy(kv => kv.Key), report.SavedBytesByLayerType.OrderBy(kv => kv.Key));
    }

    [Fact]
    public void CachedSamplingAtRatio03StoresOnlyTheSampledRows()
    {
        // B = 8 images of L = 5 tokens: N = 40 rows, k = max(⌊0.3·40⌋, 10) = 12 per sampled linear.
        const int b = 8, l = 5, d = 8, hidden = 32, depth = 2, n = b * l, k = 12;
        long f = sizeof(float);
        using var dense = TestDevices.Create("cpu");
        var denseSaved = StepMemory.Measure(dense, Small, b).SavedBytesByLayerType;
        using var device = TestDevices.Create("cpu");
        var sampling = new WtaCrsConfig(SampledSite.Fc1 | SampledSite.Fc2 | SampledSite.Proj, 0.3, SamplingPolicy.Cached);
        var saved = StepMemory.Measure(device, Small, b, sampling: sampling).SavedBytesByLayerType;

        // A sampled linear keeps k rows of its input plus k indices, k scales and the winner count c.
        long Sampled(int width) => k * width * f + k * 4 + k * 4 + 4;
        // Mlp: fc1's output [N, hidden] (GELU's backward needs it) + fc1's and fc2's sampled rows; GELU's output is gone.
        Assert.Equal(depth * (n * hidden * f + Sampled(hidden) + Sampled(d)), saved[SavedBytesByLayer.Mlp]);
        Assert.Equal(denseSaved[SavedBytesByLayer.Mlp] - depth * (n * hidden * f - Sampled(hidden) - Sampled(d)), saved[SavedBytesByLayer.Mlp]);
        // Attention: q, k, v [N, D] and the attention matrix as before, proj's sampled rows instead of its input.
        Assert.Equal(depth * (3L * n * d * f + 2L * b * l * l * f + Sampled(d)), saved[SavedBytesByLayer.Attention]);
        // LayerNorm: norm1 keeps its output (qkv is dense), norm2's output is freed (fc1 sampled): mean/rstd stay.
        Assert.Equal(depth * ((long)n * d * f + 4L * n * f), saved[SavedBytesByLayer.LayerNorm]);
        Assert.Equal(denseSaved[SavedBytesByLayer.Residual], saved[SavedBytesByLayer.Residual]);
    }

    [Fact]
    [KernelPath]
    public void PlannedPeakEqualsTheExecutedKernelPathPeak()
    {
        using var executed = TestDevices.Create("kernels");
        var run = StepMemory.Measure(executed, Small, 2).Stats;
        using var planner = DeviceContext.CreatePlanner();
        var plan = StepMemory.Measure(planner, Small, 2).Stats;

        Assert.True(run.PeakAllocated > 0);
        Assert.Equal(run.PeakAllocated, plan.PeakAllocated);
        Assert.Equal(run.PeakReserved, plan.PeakReserved);
        Assert.Equal(run.DriverAllocs, plan.DriverAllocs);
        foreach (var tag in Enum.GetValues<MemoryTag>())
        {
            Assert.Equal(run.PeakByTag[tag], plan.PeakByTag[tag]);
            Assert.Equal(run.ByTagAtPeak[tag], plan.ByTagAtPeak[tag]);
        }
    }

    [Fact]
    public void PlanningVitB16Batch64TakesNoMemoryAndCountsWeightsExactly()
    {
        using var planner = DeviceContext.CreatePlanner();
        var report = StepMemory.Measure(planner, VitConfig.VitB16, 64);
        var weights = 4 * VitParameterLayout.Count(VitConfig.VitB16);
        Assert.Equal(weights, report.Stats.PeakByTag[MemoryTag.Weights]);
        Assert.Equal(weights, report.Stats.PeakByTag[MemoryTag.Gradients]);
        Assert.Equal(2 * weights, report.Stats.PeakByTag[MemoryTag.OptimizerState]);
        Assert.True(report.Stats.PeakAllocated > 4 * weights);
    }

    [Fact]
    public void PlanAgainstASmallDeviceFailsLikeTheRunWould()
    {
        using var planner = DeviceContext.CreatePlanner(capacity: 64L << 20);
        var ex = Assert.Throws<OutOfDeviceMemoryException>(() => StepMemory.Measure(planner, VitConfig.VitB16, 64));
        Assert.Contains("device is full", ex.Message);
    }
}
