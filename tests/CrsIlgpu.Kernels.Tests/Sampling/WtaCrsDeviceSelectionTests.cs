using CrsIlgpu.Kernels.Runtime.Memory;
using static CrsIlgpu.Kernels.Tests.Sampling.WtaCrsSelectionOpTests;

namespace CrsIlgpu.Kernels.Tests.Sampling;

/// <summary>
/// The device-wide selection (issue 20: a linear layer's N rows over many groups) against
/// <see cref="WtaCrsSelectionReference"/>: IDENTICAL indices, winner counts and scale bits
/// (<see cref="WtaCrsSelectionOpTests"/>), at N ∈ {11, 1,000, 12,608, 50,000} × ρ ∈ {0.1, 0.3, 0.5, 1} — forced at every N, and
/// by the automatic choice where it picks it (at ρ = 0.3, another step) — plus the one-group path at the same shapes, so both
/// paths are shown to pick the same rows as the reference.
/// </summary>
public class WtaCrsDeviceSelectionTests
{
    private const uint Seed = 4321;
    private const uint Layer = 7;

    public static TheoryData<int, double, string> Cases
    {
        get
        {
            var data = new TheoryData<int, double, string>();
            foreach (var n in new[] { 11, 1000, 12608, 50000 })
                foreach (var rho in new[] { 0.1, 0.3, 0.5, 1.0 })
                    data.Add(n, rho, "heavy");
            // Ties (equal p across tiles and merge runs), zero rows past the budget, all zero.
            data.Add(5000, 0.3, "ties");
            data.Add(12608, 0.3, "sparse");
            data.Add(12608, 0.5, "sparse");
            data.Add(4100, 0.2, "uniform");
            data.Add(3000, 0.3, "zero");
            return data;
        }
    }

    private static void AssertSelection(DeviceContext device, float[] first, float[] second, int k, ulong step, WtaCrsSelectionPath path, string what)
    {
        var n = first.Length;
        using var a = TestData.Tensor(device, first, n);
        using var g = TestData.Tensor(device, second, n);
        using var output = new WtaCrsSelectionBuffers(device.Pool, k);
        WtaCrsSelectionOp.SelectFromNorms(device, a, g, output, Seed, step, Layer, path: path);
        var expected = WtaCrsSelectionReference.SelectFromNorms(first, second, k, Seed, step, Layer);
        AssertSame(expected, output.IndicesToArray(), output.ScalesToArray(), output.WinnersToHost(), what);
    }

    [Theory]
    [KernelPath]
    [MemberData(nameof(Cases))]
    public void DeviceWideSelectionIsIdenticalToTheReference(int n, double rho, string pattern)
    {
        var device = TestAccelerators.Kernels;
        var first = Scores(pattern, n, n + 3);
        var second = Scores(pattern == "heavy" ? "heavy" : "uniform", n, n + 4);
        var k = WtaCrsBudget.For(n, rho);
        AssertSelection(device, first, second, k, 2, WtaCrsSelectionPath.DeviceWide, $"device-wide {pattern} N={n} rho={rho}");
        if (WtaCrsSelectionPlan.Resolve(1, n, WtaCrsSelectionPath.Auto) == WtaCrsSelectionPath.DeviceWide && rho == 0.3)
            AssertSelection(device, first, second, k, 3, WtaCrsSelectionPath.Auto, $"auto {pattern} N={n} rho={rho}");
        if (pattern == "heavy" && rho < 1)
        {
            var result = WtaCrsSelectionReference.SelectFromNorms(first, second, k, Seed, 2, Layer);
            Assert.InRange(result.Winners, n == 11 ? 0 : 1, k - 1); // winners and draws both exercised where N allows
        }
    }

    /// <summary>The one-group kernel (one problem) at the same shapes: the same rows as the reference, so as the device-wide path.</summary>
    [Theory]
    [KernelPath]
    [InlineData(11, 0.5)]
    [InlineData(1000, 0.1)]
    [InlineData(1000, 1.0)]
    [InlineData(12608, 0.3)]
    public void GroupPerProblemPathIsIdenticalToTheReferenceAtTheSameShapes(int n, double rho)
    {
        var first = Scores("heavy", n, n + 3);
        var second = Scores("heavy", n, n + 4);
        AssertSelection(TestAccelerators.Kernels, first, second, WtaCrsBudget.For(n, rho), 2, WtaCrsSelectionPath.GroupPerProblem, $"one group N={n}");
    }

    /// <summary>The CPU backend (the reference's code) at the large shapes, through the same op.</summary>
    [Theory]
    [InlineData(12608, 0.3)]
    [InlineData(50000, 0.1)]
    public void CpuBackendIsIdenticalToTheReferenceAtLargeN(int n, double rho)
    {
        var first = Scores("heavy", n, n + 3);
        var second = Scores("heavy", n, n + 4);
        AssertSelection(TestAccelerators.CpuBackend, first, second, WtaCrsBudget.For(n, rho), 2, WtaCrsSelectionPath.Auto, $"cpu N={n}");
    }

    /// <summary>Every group size gives the same rows: 5,000 rows are 3 tiles and 2 merge passes, 1,024 chunks of 5.</summary>
    [Theory]
    [KernelPath]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(64)]
    [InlineData(96)]
    [InlineData(256)]
    public void DeviceWideResultIsIndependentOfTheGroupSize(int groupSize)
    {
        const int n = 5000;
        var device = TestAccelerators.Kernels;
        var scores = Scores("ties", n, 5);
        var k = WtaCrsBudget.For(n, 0.3);
        using var input = TestData.Tensor(device, scores, n);
        using var output = new WtaCrsSelectionBuffers(device.Pool, k);
        WtaCrsSelectionOp.Select(device, input, output, Seed, 1, Layer, groupSize, WtaCrsSelectionPath.DeviceWide);
        AssertSame(WtaCrsSelectionReference.Select(scores, k, Seed, 1, Layer), output.IndicesToArray(), output.ScalesToArray(), output.WinnersToHost(),
            $"group {groupSize}");
    }

    /// <summary>What the plan lists is what runs: the profiler sees exactly its launches, in order, under the catalog names.</summary>
    [Theory]
    [KernelPath]
    [InlineData(12608, 0.3, 11)]
    [InlineData(2048, 0.3, 8)]
    [InlineData(50000, 0.1, 13)]
    [InlineData(12608, 1.0, 1)]
    public void ThePlanIsWhatRuns(int n, double rho, int launches)
    {
        using var device = TestDevices.Create("kernels");
        var k = WtaCrsBudget.For(n, rho);
        var plan = WtaCrsSelectionPlan.For(device.Accelerator, 1, n, k, WtaCrsSelectionPath.DeviceWide);
        Assert.Equal(WtaCrsSelectionPath.DeviceWide, plan.Path);
        Assert.Equal(launches, plan.Launches.Count);
        var scores = Scores("heavy", n, 1);
        using var input = TestData.Tensor(device, scores, n);
        using var output = new WtaCrsSelectionBuffers(device.Pool, k);
        device.Profiler.Enabled = true;
        WtaCrsSelectionOp.Select(device, input, output, Seed, 0, Layer, path: WtaCrsSelectionPath.DeviceWide);
        Assert.Equal(plan.Launches.Select(l => l.Kernel), device.Profiler.Launches.Select(l => l.Kernel));
        Assert.All(plan.Launches, l => Assert.NotNull(KernelCatalog.Find(l.Kernel)));
        if (k < n)
        {
            // Many groups where the work is per row: the sort tiles, merges and draws.
            Assert.Equal((n + WtaCrsDeviceSelectionKernels.Tile - 1) / WtaCrsDeviceSelectionKernels.Tile,
                plan.Launches.Single(l => l.Kernel == WtaCrsDeviceSelectionKernels.SortTilesName).Groups);
            Assert.True(plan.Launches.Single(l => l.Kernel == WtaCrsDeviceSelectionKernels.DrawName).Groups > 1);
        }
    }

    [Fact]
    [KernelPath]
    public void AutoChoosesDeviceWideForOneLargeProblemOnly()
    {
        Assert.Equal(WtaCrsSelectionPath.GroupPerProblem, WtaCrsSelectionPlan.Resolve(1, WtaCrsSelectionPlan.DeviceWideMinRows - 1, WtaCrsSelectionPath.Auto));
        Assert.Equal(WtaCrsSelectionPath.DeviceWide, WtaCrsSelectionPlan.Resolve(1, WtaCrsSelectionPlan.DeviceWideMinRows, WtaCrsSelectionPath.Auto));
        Assert.Equal(WtaCrsSelectionPath.GroupPerProblem, WtaCrsSelectionPlan.Resolve(768, 50000, WtaCrsSelectionPath.Auto));
        Assert.Throws<ArgumentException>(() => WtaCrsSelectionPlan.Resolve(2, 100, WtaCrsSelectionPath.DeviceWide));
        var device = TestAccelerators.Kernels;
        using var scores = TestData.Tensor(device, new float[40], 2, 20);
        using var output = WtaCrsSelectionBuffers.Batched(device.Pool, 2, 10);
        Assert.Throws<ArgumentException>(() => WtaCrsSelectionOp.SelectBatched(device, scores, output, 0, 0, 0, path: WtaCrsSelectionPath.DeviceWide));
    }

    [Fact]
    public void PlanningDeviceCountsTheDeviceWideWorkspace()
    {
        using var planner = DeviceContext.CreatePlanner();
        const int n = 12608; // ViT-B/16, batch 64: 64 · 197 rows
        using var scores = new Tensor(planner.Pool, MemoryTag.Activations, "scores", n);
        using var output = new WtaCrsSelectionBuffers(planner.Pool, WtaCrsBudget.For(n, 0.3));
        planner.Pool.ResetPeak();
        var before = planner.Pool.Allocated;
        WtaCrsSelectionOp.Select(planner, scores, output, 0, 0, 0);
        Assert.Equal(before, planner.Pool.Allocated);
        // Two key buffers, two chunk-sum arrays of 1,025, 1,024 partial values; two row orders, 1,024 partial c's.
        Assert.Equal(before + (2L * n + 2 * 1025 + 1024 + 2L * n + 1024) * 4, planner.Pool.PeakAllocated);
    }
}
