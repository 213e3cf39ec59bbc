using CrsIlgpu.Kernels.Runtime.Memory;

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
        int splits = SplitKFor(device, p);
        if (splits > 1)
        {
            RunSplitK(device, p, a, b, c, splits);
            return;
        }
        if (device.IsPlanning)
            return;
        var shape = LaunchShape(device, p); // the profiled name and groups, from one pass over the tile and split rules
        using var _ = device.Profiler.Launch(shape.Kernel, p.Flops, p.Bytes, shape.Groups);
        if (device.UsesTf32Matmul)
            GemmTf32Kernels.Launch(device, p, a.View, b.View, c.View);
        else if (device.Mode == ExecutionMode.Kernels)
            GemmKernels.Launch(device, p, a.View, b.View, c.View);
        else
            GemmCpu.Run(p, a.AsSpan(), b.AsSpan(), c.AsSpan());
    }

    /// <summary>
    /// K groups for a problem on this device: <see cref="GemmKernels.ChooseSplitK"/> on the fp32
    /// kernel path (the SM count from CUDA, else <see cref="GemmKernels.DefaultMultiprocessors"/>);
    /// 1 on the C# CPU backend and under TF32.
    /// </summary>
    public static int SplitKFor(DeviceContext device, GemmProblem p) =>
        device.Mode != ExecutionMode.Kernels || device.UsesTf32Matmul ? 1 : GemmKernels.ChooseSplitK(p, Multiprocessors(device));

    /// <summary>The SM count the split rule fills: CUDA's, else <see cref="GemmKernels.DefaultMultiprocessors"/> (CPU accelerator, planner).</summary>
    public static int Multiprocessors(DeviceContext device) =>
        device.IsCuda ? device.Accelerator.NumMultiprocessors : GemmKernels.DefaultMultiprocessors;

    /// <summary>
    /// What GemmOp launches for a problem on this device: the main kernel's name, its groups (grid
    /// size) and the K groups per tile (1 without split-K); for benches and profiles. The C# CPU
    /// backend launches nothing (0 groups).
    /// </summary>
    public static (string Kernel, long Groups, int Splits) LaunchShape(DeviceContext device, GemmProblem p)
    {
        string name = KernelNameFor(device, p);
        if (device.UsesTf32Matmul)
            return (name, GemmTf32Kernels.ConfigFor(p).GridDim.Size, 1);
        if (device.Mode != ExecutionMode.Kernels)
            return (name, 0, 1);
        int splits = SplitKFor(device, p);
        if (splits > 1)
            return (name, GemmSplitKKernels.ConfigFor(p, splits).GridDim.Size, splits);
        var config = GemmKernels.ChooseTile(p) == GemmTile.Large128 ? GemmLargeKernels.ConfigFor(p) : GemmKernels.ConfigFor(p);
        return (name, config.GridDim.Size, 1);
    }

    /// <summary>
    /// Split-K: partial tiles into a pooled workspace (tag Workspace, allocated before the planning
    /// return so memory plans count it), then the fixed-order reduce; two profiled launches.
    /// </summary>
    private static void RunSplitK(DeviceContext device, GemmProblem p, Tensor a, Tensor b, Tensor c, int splits)
    {
        long length = GemmSplitKKernels.WorkspaceLength(p, splits);
        using var workspace = new Tensor(device.Pool, MemoryTag.Workspace, "gemm.splitk_partials", checked((int)length));
        if (device.IsPlanning)
            return;
        using (device.Profiler.Launch(GemmSplitKKernels.Name, p.Flops, 4.0 * p.Batch * ((double)p.M * p.K + (double)p.K * p.N) + 4.0 * length,
            GemmSplitKKernels.ConfigFor(p, splits).GridDim.Size))
            GemmSplitKKernels.LaunchPartial(device, p, a.View, b.View, workspace.View, splits);
        double cTraffic = p.Beta != 0f ? 2.0 : 1.0;
        using (device.Profiler.Launch(GemmSplitKKernels.ReduceName, (double)length, 4.0 * length + 4.0 * cTraffic * p.Batch * p.M * p.N))
            GemmSplitKKernels.LaunchReduce(device, p, workspace.View, c.View, splits);
    }

    /// <summary>
    /// The name a problem is profiled under: the kernel that runs (gemm_nn_128 for large fp32
    /// problems, gemm_nn_tf32 under <see cref="MatmulPrecision.Tf32"/>, gemm_tn_splitk for a split
    /// weight gradient, whose reduce follows as gemm_tn_splitk_reduce), as Nsight names it too;
    /// on the C# CPU backend the layout's name.
    /// </summary>
    public static string KernelNameFor(DeviceContext device, GemmProblem p) =>
        device.UsesTf32Matmul ? GemmTf32Kernels.NameFor(p.Layout)
        : SplitKFor(device, p) > 1 ? GemmSplitKKernels.Name
        : device.Mode == ExecutionMode.Kernels ? GemmKernels.KernelNameFor(p)
        : GemmKernels.NameFor(p.Layout);
}
