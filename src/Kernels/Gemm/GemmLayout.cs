namespace CrsIlgpu.Kernels.Gemm;

/// <summary>
/// Operand layouts of a row-major GEMM. The first letter is A, the second B; "T" means the stored
/// matrix is the transpose of the operand (NT: C = A·Bᵀ, TN: C = Aᵀ·B).
/// </summary>
public enum GemmLayout
{
    /// <summary>A is M×K, B is K×N.</summary>
    NN,

    /// <summary>A is M×K, B is N×K (C = A·Bᵀ).</summary>
    NT,

    /// <summary>A is K×M, B is K×N (C = Aᵀ·B).</summary>
    TN,
}
