namespace CrsIlgpu.Kernels.Bench;

/// <summary>
/// One keep ratio of `crs bench wtacrs`: the parts of the sampled weight gradient (row norms,
/// selection, sampled GEMM) against the dense weight-gradient GEMM of the same run, and the
/// estimator's relative Frobenius error for that draw. SelectionPath, SelectionLaunches and
/// SelectionGroups say how one selection ran (<see cref="Sampling.WtaCrsSelectionPlan"/>; "cpu", 0, 0 on the CPU backend).
/// </summary>
public sealed record WtaCrsBenchRow(
    string Size,
    int Rows,
    int In,
    int Out,
    double Ratio,
    int Budget,
    double NormsMs,
    double SelectionMs,
    double SampledGemmMs,
    double DenseMs,
    double RelativeError,
    string SelectionPath,
    int SelectionLaunches,
    int SelectionGroups)
{
    public double TotalMs => NormsMs + SelectionMs + SampledGemmMs;

    /// <summary>Sampled weight-gradient work over the dense GEMM (goal at ρ = 0.3: ≤ 0.45).</summary>
    public double TimeVsDense => TotalMs / DenseMs;

    /// <summary>Selection (norms included) over the sampled GEMM (goal: ≤ 0.10).</summary>
    public double SelectionOverhead => (NormsMs + SelectionMs) / SampledGemmMs;
}
