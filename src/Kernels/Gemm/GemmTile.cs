namespace CrsIlgpu.Kernels.Gemm;

/// <summary>
/// Which SIMT GEMM kernel runs a problem (see <see cref="GemmKernels.ChooseTile"/> for the rule).
/// </summary>
public enum GemmTile
{
    /// <summary><see cref="GemmKernels"/>: 64×64×8 tile, 16×16 threads, 4×4 outputs per thread.</summary>
    Small64,

    /// <summary><see cref="GemmLargeKernels"/>: 128×128×8 tile, 16×16 threads, 8×8 outputs per thread, 128-bit loads, double-buffered.</summary>
    Large128,
}
