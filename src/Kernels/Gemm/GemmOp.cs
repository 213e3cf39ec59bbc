using CrsIlgpu.Kernels.Runtime;

namespace CrsIlgpu.Kernels.Gemm;

/// <summary>
/// The GEMM entry point: validates the problem against the buffers before any launch, reports
/// the launch to the profiler, and runs the ILGPU kernel or the C# CPU backend by device.
/// </summary>
public static class GemmOp
{
    public static void Run(DeviceContext device, GemmProblem p, Tensor a, Tensor b, Tensor c)
    {
        p.Validate(a.Length, b.Length, c.Length);
        if (device.IsPlanning)
            return;
        // Profiled under the kernel that runs (gemm_nn_128 for large problems), as Nsight names it too.
        var name = device.Mode == ExecutionMode.Kernels ? GemmKernels.KernelNameFor(p) : GemmKernels.NameFor(p.Layout);
        using var _ = device.Profiler.Launch(name, p.Flops, p.Bytes);
        if (device.Mode == ExecutionMode.Kernels)
            GemmKernels.Launch(device, p, a.View, b.View, c.View);
        else
            GemmCpu.Run(p, a.AsSpan(), b.AsSpan(), c.AsSpan());
    }
}
