namespace CrsIlgpu.Kernels.Runtime;

/// <summary>How a kernel is launched: explicit groups (KernelConfig, shared memory) or implicit (auto-grouped index).</summary>
public enum KernelGrouping
{
    Explicit,
    Implicit,
}
