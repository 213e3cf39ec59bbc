namespace CrsIlgpu.Kernels.Runtime;

/// <summary>
/// CUDA caps a grid's y and z dimensions at 65,535 groups. The tiled GEMMs put row tiles on y and
/// the batch on z; a problem past the cap fails here, naming the op, rather than with a driver error.
/// </summary>
public static class GridLimit
{
    public const int MaxYZ = 65535;

    public static void Check(KernelConfig config, string op, int m, int batch)
    {
        if (config.GridDim.Y > MaxYZ || config.GridDim.Z > MaxYZ)
            throw new ArgumentException($"{op}: M={m} (row tiles {config.GridDim.Y}) or Batch={batch} exceeds the grid limit {MaxYZ}");
    }
}
