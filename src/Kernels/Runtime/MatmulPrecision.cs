namespace CrsIlgpu.Kernels.Runtime;

/// <summary>
/// How every dense GEMM of a device multiplies (like PyTorch's torch.backends.cuda.matmul.allow_tf32):
/// <see cref="Fp32"/> (the default) or <see cref="Tf32"/>, the tensor-core kernels with inputs rounded
/// to a 10-bit mantissa and FP32 accumulation. It applies to the ILGPU kernel path (CUDA, and the CPU
/// accelerator in tests, which runs the mma emulation); the C# CPU backend multiplies in fp32 either
/// way, as PyTorch ignores allow_tf32 on the CPU.
/// </summary>
public enum MatmulPrecision
{
    Fp32,
    Tf32,
}
