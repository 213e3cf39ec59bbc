using CrsIlgpu.Kernels.Runtime;

namespace CrsIlgpu.Kernels.Gemm;

/// <summary>
/// The GEMM entry point: validates the problem against the buffers before any launch, reports
/// the launch to the profiler, and runs the ILGPU kernel or the C# CPU backend by device; on the
/// kernel path the device's <see cref="MatmulPrecision"/> picks the fp32 SIMT or the TF32 tensor-core kernels.
/// </summary>
public static class GemmOp
{
    public static void Run(DeviceContext device, GemmProblem p, Tensor a, Tensor b, Tensor c)
    {
        p.Validate(a.Length, b.Length, c.Length);
        if (device.IsPlanning)
            return;
        using var _ = device.Profiler.Launch(KernelNameFor(device, p), p.Flops, p.Bytes);
        if (device.UsesTf32Matmul)
            GemmTf32Kernels.Launch(device, p, a.View, b.View, c.View);
        else if (device.Mode == ExecutionMode.Kernels)
            GemmKernels.Launch(device, p, a.View, b.View, c.View);
        else
            GemmCpu.Run(p, a.AsSpan(), b.AsSpan(), c.AsSpan());
    }

    /// <summary>
    /// The name a problem is profiled under: the kernel that runs (gemm_nn_128 for large fp32
    /// problems, gemm_nn_tf32 under <see cref="MatmulPrecision.Tf32"/>), as Nsight names it too;
    /// on the C# CPU backend the layout's name.
    /// </summary>
    public static string KernelNameFor(DeviceContext device, GemmProblem p) =>
        device.UsesTf32Matmul ? GemmTf32Kernels.NameFor(p.Layout)
        : device.Mode == ExecutionMode.Kernels ? GemmKernels.KernelNameFor(p)
        : GemmKernels.NameFor(p.Layout);
}
