namespace CrsIlgpu.Kernels.Runtime.Memory;

/// <summary>What a buffer is for; the pool keeps live and peak bytes per tag.</summary>
public enum MemoryTag
{
    Weights,
    Gradients,
    OptimizerState,
    Activations,
    SavedForBackward,
    Workspace,
}
