namespace CrsIlgpu.Training.Profiling;

/// <summary>
/// Two step profiles side by side (`crs profile --compare-ratios 1,0.3`): per phase, its total and
/// every kernel in it, then the step's summed kernel time, wall time and unattributed remainder. A
/// kernel one profile lacks counts as 0 there, so what sampling adds and what it removes both show.
/// </summary>
public sealed record StepProfileComparison(StepProfile First, StepProfile Second, IReadOnlyList<ComparisonRow> Rows)
{
    public const string StepPhase = "step";

    public static StepProfileComparison Of(StepProfile first, StepProfile second)
    {
        var rows = new List<ComparisonRow>();
        var phases = first.Phases.Select(p => p.Phase).Union(second.Phases.Select(p => p.Phase)).OrderBy(ProfilePhase.Order).ToList();
        foreach (var phase in phases)
        {
            rows.Add(new ComparisonRow(phase, null, PhaseUs(first, phase), PhaseUs(second, phase)));
            var kernels = first.Kernels.Concat(second.Kernels)
                .Where(k => k.Phase == phase)
                .GroupBy(k => k.Kernel)
                .OrderByDescending(g => g.Max(k => k.TotalUsPerStep))
                .Select(g => g.Key);
            foreach (var kernel in kernels)
                rows.Add(new ComparisonRow(phase, kernel, KernelUs(first, phase, kernel), KernelUs(second, phase, kernel)));
        }
        rows.Add(new ComparisonRow(StepPhase, "kernels (sum)", first.KernelUsPerStep, second.KernelUsPerStep));
        rows.Add(new ComparisonRow(StepPhase, "unattributed (host, launch, sync)", first.UnattributedUsPerStep, second.UnattributedUsPerStep));
        rows.Add(new ComparisonRow(StepPhase, "wall", first.WallUsPerStep, second.WallUsPerStep));
        return new StepProfileComparison(first, second, rows);
    }

    private static double PhaseUs(StepProfile p, string phase) => p.Phases.FirstOrDefault(x => x.Phase == phase)?.TotalUsPerStep ?? 0;

    private static double KernelUs(StepProfile p, string phase, string kernel) =>
        p.Kernels.FirstOrDefault(k => k.Phase == phase && k.Kernel == kernel)?.TotalUsPerStep ?? 0;
}
