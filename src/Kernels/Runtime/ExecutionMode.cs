namespace CrsIlgpu.Kernels.Runtime;

/// <summary>
/// How ops run. On CUDA always the ILGPU kernels. On the CPU the vectorized C# backend by default
/// (the ILGPU CPU accelerator is correct but far too slow to train on); tests ask for the kernels
/// on the CPU accelerator to check them without a GPU.
/// </summary>
public enum ExecutionMode
{
    Kernels,
    CpuBackend,
}
