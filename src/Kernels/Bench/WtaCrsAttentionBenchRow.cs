namespace CrsIlgpu.Kernels.Bench;

/// <summary>
/// One keep ratio of the attention part of `crs bench wtacrs`: dV = Aᵀ dO and dK = scale·dSᵀ Q per
/// (batch, head) estimated over k of the L query rows (row norms, batched selection, batched sampled
/// GEMM) against the two dense batched GEMMs of the same run, and each estimate's relative error.
/// SelectionPath, SelectionLaunches and SelectionGroups describe ONE of the two batched selections
/// (<see cref="Sampling.WtaCrsSelectionPlan"/>; "cpu", 0, 0 on the CPU backend).
/// </summary>
public sealed record WtaCrsAttentionBenchRow(
    string Size,
    int BatchHeads,
    int Tokens,
    int HeadDim,
    double Ratio,
    int Budget,
    double NormsMs,
    double SelectionMs,
    double SampledGemmMs,
    double DenseMs,
    double ValueError,
    double KeyError,
    string SelectionPath,
    int SelectionLaunches,
    int SelectionGroups)
{
    public double TotalMs => NormsMs + SelectionMs + SampledGemmMs;

    /// <summary>Sampled dV + dK work over the dense dV + dK GEMMs.</summary>
    public double TimeVsDense => TotalMs / DenseMs;

    /// <summary>Selection (norms included) over the sampled GEMMs.</summary>
    public double SelectionOverhead => (NormsMs + SelectionMs) / SampledGemmMs;
}
