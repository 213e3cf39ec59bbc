using CrsIlgpu.Kernels.Bench;

namespace CrsIlgpu.Kernels.Tests.Sampling;

/// <summary>`crs bench wtacrs` (WtaCrsBench) at a toy size.</summary>
public class WtaCrsBenchTests
{
    /// <summary>
    /// `crs bench wtacrs` reports how each selection ran. The CPU backend runs the whole bench (no
    /// launches: "cpu", 0, 0); on the kernel path the same helper reads the op's plan: 4,480 rows run
    /// device-wide in 10 launches (2 merge passes), ρ = 1 in one keep-all launch. (The whole bench on
    /// the CPU accelerator would take minutes: its dense GEMM is timed too.)
    /// </summary>
    [Fact]
    [KernelPath]
    public void RowsReportTheSelectionsLaunchesAndGroups()
    {
        var size = new OpBenchSize("toy", 64, 70, 4, 2); // N = 4,480 rows ≥ DeviceWideMinRows, D = 4
        var cpu = WtaCrsBench.Run(TestAccelerators.CpuBackend, [size], [1.0, 0.3]);
        Assert.All(cpu, r => Assert.Equal(("cpu", 0, 0), (r.SelectionPath, r.SelectionLaunches, r.SelectionGroups)));
        Assert.True(cpu[0].RelativeError < 1e-5);

        var kernels = TestAccelerators.Kernels;
        var keepAll = WtaCrsSelectionOp.Plan(kernels, 1, 4480, 4480)!; // the draw kernel alone, a thread per row
        Assert.Equal(("DeviceWide", 1, (4480 + keepAll.DrawGroup - 1) / keepAll.DrawGroup), WtaCrsBench.Describe(keepAll));
        var plan = WtaCrsSelectionOp.Plan(kernels, 1, 4480, cpu[1].Budget)!;
        Assert.Equal(("DeviceWide", 10, plan.TotalGroups), WtaCrsBench.Describe(plan));
        Assert.True(plan.TotalGroups > plan.Launches.Count, "several launches run more than one group");
        Assert.Equal(("GroupPerProblem", 1, 384), WtaCrsBench.Describe(WtaCrsSelectionOp.Plan(kernels, 384, 65, 19)));
        Assert.Null(WtaCrsSelectionOp.Plan(TestAccelerators.CpuBackend, 1, 4480, 100));
    }
}
