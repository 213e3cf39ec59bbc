namespace CrsIlgpu.Kernels.Bench;

/// <summary>
/// How `crs bench kernel NAME --shape ...` builds one catalog kernel's case: what the shape's
/// numbers mean, and a factory that allocates seeded inputs of that shape and returns a case whose
/// <see cref="OpBenchCase.Check"/> compares the op with its reference.
/// </summary>
public sealed record KernelBenchEntry(string Kernel, string ShapeHelp, Func<DeviceContext, IReadOnlyList<int>, OpBenchCase> Create)
{
    /// <summary>How many numbers --shape takes: one per comma-separated name of <see cref="ShapeHelp"/>.</summary>
    public int Rank => ShapeHelp.Split(',').Length;
}
