using CrsIlgpu.Training.Profiling;

namespace CrsIlgpu.Training.Tests.Profiling;

/// <summary>The aggregation of <see cref="StepProfile.From"/> on hand-made launches, checked by hand.</summary>
public class StepProfileTests
{
    private static readonly StepProfileOptions Options = new(VitConfig.VitCifarTiny, Batch: 4, Steps: 2);

    private static KernelLaunch L(string kernel, string phase, double start, double us, double flops = 0, double bytes = 0) =>
        new(kernel, phase, start, us, flops, bytes);

    // Two steps. Step 0: gemm_nt 10 µs + 30 µs (forward), row norms 5 µs (run in forward, counted as
    // selection), gemm_tn 20 µs, sampled GEMM 15 µs (backward), adam 20 µs. Step 1: the same launches, each 2× as long.
    private static IReadOnlyList<IReadOnlyList<KernelLaunch>> Steps()
    {
        IReadOnlyList<KernelLaunch> Step(double f, double t0) =>
        [
            L("gemm_nt", ProfilePhase.Forward, t0, 10 * f, flops: 1e6, bytes: 1e5),
            L("selection_row_norms", ProfilePhase.Forward, t0 + 100, 5 * f),
            L("gemm_nt", ProfilePhase.Forward, t0 + 200, 30 * f, flops: 3e6, bytes: 3e5),
            L("gemm_tn", ProfilePhase.Backward, t0 + 300, 20 * f),
            L("sampled_gemm_tn_presampled", ProfilePhase.Backward, t0 + 400, 15 * f),
            L("adam_update", ProfilePhase.Optimizer, t0 + 500, 20 * f),
        ];
        return [Step(1, 1000), Step(2, 2000)];
    }

    [Fact]
    public void PerStepMeansSharesAndTheSelectionPhaseComeOutAsByHand()
    {
        var p = StepProfile.From(Options, "test device", null, Steps(), [150, 300], loss: 1.5f);

        // Kernel time per step: (100 + 200) / 2 = 150 µs, the whole wall time of 225 µs but 75.
        Assert.Equal(150, p.KernelUsPerStep, 9);
        Assert.Equal(225, p.WallUsPerStep, 9);
        Assert.Equal(75, p.UnattributedUsPerStep, 9);

        var phases = p.Phases.ToDictionary(x => x.Phase);
        Assert.Equal(ProfilePhase.All, p.Phases.Select(x => x.Phase));
        Assert.Equal(60, phases[ProfilePhase.Forward].TotalUsPerStep, 9);      // (40 + 80) / 2
        Assert.Equal(7.5, phases[ProfilePhase.Selection].TotalUsPerStep, 9);   // (5 + 10) / 2
        Assert.Equal(52.5, phases[ProfilePhase.Backward].TotalUsPerStep, 9);   // (35 + 70) / 2
        Assert.Equal(30, phases[ProfilePhase.Optimizer].TotalUsPerStep, 9);
        Assert.Equal(40, phases[ProfilePhase.Forward].SharePercent, 9);
        Assert.Equal(5, phases[ProfilePhase.Selection].SharePercent, 9);
        Assert.Equal(35, phases[ProfilePhase.Backward].SharePercent, 9);
        Assert.Equal(20, phases[ProfilePhase.Optimizer].SharePercent, 9);
        Assert.Equal(2, phases[ProfilePhase.Forward].LaunchesPerStep);

        var gemm = p.Kernels.Single(k => k.Kernel == "gemm_nt");
        Assert.Equal(2, gemm.LaunchesPerStep);
        Assert.Equal(60, gemm.TotalUsPerStep, 9);
        Assert.Equal(30, gemm.MeanUs, 9);     // 120 µs over 4 launches
        Assert.Equal(10, gemm.MinUs, 9);
        Assert.Equal(4e6, gemm.FlopsPerStep, 9);
        // 8e6 flops in 120 µs = 66.67 GFLOP/s; 8e5 bytes = 6.667 GB/s.
        Assert.Equal(8e6 / 120e3, gemm.GflopsPerSecond!.Value, 9);
        Assert.Equal(8e5 / 120e3, gemm.GbytesPerSecond!.Value, 9);
        Assert.Null(p.Kernels.Single(k => k.Kernel == "adam_update").GflopsPerSecond); // declared no work
        Assert.Equal(ProfilePhase.Backward, p.Kernels.Single(k => k.Kernel == "sampled_gemm_tn_presampled").Phase);
        // Rows: phase order, then the longest kernel first.
        Assert.Equal(["gemm_nt", "gemm_tn", "sampled_gemm_tn_presampled", "selection_row_norms", "adam_update"], p.Kernels.Select(k => k.Kernel));
        // The trace carries the re-attributed phase.
        Assert.All(p.LaunchesByStep.SelectMany(s => s).Where(l => l.Kernel == "selection_row_norms"), l => Assert.Equal(ProfilePhase.Selection, l.Phase));
    }

    [Fact]
    public void WithPeaksEveryKernelWithDeclaredWorkGetsARooflinePosition()
    {
        // 1 TFLOP/s and 100 GB/s: ridge at 10 flop/byte; gemm_nt declares 10 flop/byte → compute-bound.
        var peak = new DevicePeak(1e12, 1e11);
        var p = StepProfile.From(Options, "fake gpu", peak, Steps(), [150, 300], 1f);
        var roof = p.Kernels.Single(k => k.Kernel == "gemm_nt").Roofline!;
        Assert.Equal(RooflinePosition.Compute, roof.Bound);
        Assert.Equal(8e6 / 120e-6 / 1e12, roof.FractionOfPeak, 12);
        Assert.Null(p.Kernels.Single(k => k.Kernel == "gemm_tn").Roofline);
    }

    [Fact]
    public void ComparisonSubtractsPerPhaseAndKernelAndCountsMissingKernelsAsZero()
    {
        var first = StepProfile.From(Options, "d", null,
            [[L("gemm_tn", ProfilePhase.Backward, 0, 100), L("adam_update", ProfilePhase.Optimizer, 100, 10)]], [200], 1f);
        var second = StepProfile.From(Options, "d", null, [[L("sampled_gemm_tn_gather", ProfilePhase.Backward, 0, 30),
            L("selection_wtacrs", ProfilePhase.Backward, 30, 20),
            L("adam_update", ProfilePhase.Optimizer, 50, 10)]], [100], 1f);
        var c = StepProfileComparison.Of(first, second);

        ComparisonRow Row(string phase, string? kernel) => c.Rows.Single(r => r.Phase == phase && r.Kernel == kernel);
        Assert.Equal(-70, Row(ProfilePhase.Backward, null).DifferenceUs, 9);
        Assert.Equal(-100, Row(ProfilePhase.Backward, "gemm_tn").DifferenceUs, 9);
        Assert.Equal(30, Row(ProfilePhase.Backward, "sampled_gemm_tn_gather").SecondUs, 9);
        Assert.Equal(0, Row(ProfilePhase.Backward, "sampled_gemm_tn_gather").FirstUs);
        Assert.Equal(20, Row(ProfilePhase.Selection, null).DifferenceUs, 9);
        Assert.Equal(0, Row(ProfilePhase.Optimizer, "adam_update").DifferenceUs, 9);
        Assert.Equal(-50, Row(StepProfileComparison.StepPhase, "kernels (sum)").DifferenceUs, 9);
        Assert.Equal(-100, Row(StepProfileComparison.StepPhase, "wall").DifferenceUs, 9);
        Assert.Equal(-50, Row(StepProfileComparison.StepPhase, "unattributed (host, launch, sync)").DifferenceUs, 9);
        // The phase totals' differences add up to the step's.
        Assert.Equal(-50, c.Rows.Where(r => r.Kernel is null).Sum(r => r.DifferenceUs), 9);
    }

    [Fact]
    public void OutputFolderThatIsAFileIsAUserError()
    {
        var file = Path.GetTempFileName();
        var ex = Assert.Throws<CrsException>(() => StepProfileFiles.PrepareDirectory(file));
        Assert.Contains("is a file, not a folder", ex.Message);
    }
}
