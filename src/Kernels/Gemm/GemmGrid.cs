namespace CrsIlgpu.Kernels.Gemm;

/// <summary>
/// The launch shape every tiled GEMM shares: one group per tileM × tileN tile of C, x = column
/// tiles, y = row tiles, z = batch (times the K splits where there are any).
/// </summary>
internal static class GemmGrid
{
    public static KernelConfig Config(int m, int n, int z, int tileM, int tileN, int threadsX, int threadsY) =>
        new(
            new Index3D((n + tileN - 1) / tileN, (m + tileM - 1) / tileM, z),
            new Index3D(threadsX, threadsY, 1));
}
