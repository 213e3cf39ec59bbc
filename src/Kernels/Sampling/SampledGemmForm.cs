namespace CrsIlgpu.Kernels.Sampling;

/// <summary>How the B operand of a sampled GEMM is stored.</summary>
public enum SampledGemmForm
{
    /// <summary>B is full [Rows, N] and read through the indices, like A; each term is scaled by scale_t.</summary>
    Gather,

    /// <summary>
    /// B is already sampled and pre-scaled, [K, N] with row t = scale_t · B[idx_t] (what the forward
    /// pass stores under the `Cached` policy); only A is read through the indices, and no scale is applied.
    /// </summary>
    PreSampled,
}
