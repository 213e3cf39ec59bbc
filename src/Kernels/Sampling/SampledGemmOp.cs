using CrsIlgpu.Kernels.Gemm;
using CrsIlgpu.Kernels.Loss;
using CrsIlgpu.Kernels.Runtime.Memory;

namespace CrsIlgpu.Kernels.Sampling;

/// <summary>
/// Entry points of the WTA-CRS sampled GEMM on tensors. Shapes are checked before any launch.
/// Indices are an int buffer (<see cref="IntTensor"/>: a pooled int tensor that remembers the
/// range of its last host copy). Indices copied from the host are range-checked here; indices
/// written on the device (by the selection kernels) are trusted — the kernel and the CPU backend
/// only skip any index outside [0, rows), they do not report it.
/// </summary>
public static class SampledGemmOp
{
    /// <summary>
    /// Weight gradient from full tensors: dW[Dout, Din] = Σ_t scale_t · G[idx_t]ᵀ X[idx_t].
    /// G is [..., Dout] and X [..., Din] with the same number of rows N (leading dims flattened);
    /// indices and scales hold k values (k = 0 gives dW = 0).
    /// </summary>
    public static void Gather(DeviceContext device, Tensor g, Tensor x, IntTensor indices, Tensor scales, Tensor dw)
    {
        const string op = SampledGemmKernels.GatherName;
        var (rows, dout) = Matrix(op, g);
        var (rowsX, din) = Matrix(op, x);
        OpCheck.That(op, rows == rowsX, $"'{g.Label}' {g.ShapeText} and '{x.Label}' {x.ShapeText} must have the same rows");
        OpCheck.Shape(op, dw, dout, din);
        OpCheck.That(op, scales.Length == indices.Count, $"scales '{scales.Label}' {scales.ShapeText} must hold one value per index ({indices.Count})");
        var p = SampledGemmProblem.Create(SampledGemmForm.Gather, dout, din, indices.Count, rows);
        Run(device, p, g, x, indices, scales, dw);
    }

    /// <summary>
    /// Weight gradient from a pre-sampled input (the `Cached` policy): dW[Dout, Din] = Σ_t G[idx_t]ᵀ Xs[t],
    /// Xs [k, Din] holding row t = scale_t · X[idx_t]; G [..., Dout] full.
    /// </summary>
    public static void PreSampled(DeviceContext device, Tensor g, Tensor xSampled, IntTensor indices, Tensor dw)
    {
        const string op = SampledGemmKernels.PreSampledName;
        var (rows, dout) = Matrix(op, g);
        var (k, din) = Matrix(op, xSampled);
        OpCheck.That(op, k == indices.Count, $"'{xSampled.Label}' {xSampled.ShapeText} must hold one row per index ({indices.Count})");
        OpCheck.Shape(op, dw, dout, din);
        var p = SampledGemmProblem.Create(SampledGemmForm.PreSampled, dout, din, k, rows);
        Run(device, p, g, xSampled, indices, null, dw);
    }

    /// <summary>
    /// Batched over (batch, head) for attention, sampled over the L query rows:
    /// C_b[M, N] = Σ_t scale_{b,t} · A_b[idx_{b,t}]ᵀ B_b[idx_{b,t}], with A [..., L, M], B [..., L, N],
    /// C [..., M, N] sharing the leading (batch) dims and indices / scales holding batch·k values
    /// ([batch, k] row-major). dV = Aᵀ dO: A = attention probabilities, B = dO; dK = scale·dSᵀ Q: A = dS,
    /// B = Q, <paramref name="alpha"/> = scale (C = alpha · the sum).
    /// </summary>
    public static void Batched(DeviceContext device, Tensor a, Tensor b, IntTensor indices, Tensor scales, Tensor c, float alpha = 1f)
    {
        const string op = SampledGemmKernels.GatherName;
        OpCheck.That(op, a.Shape.Length >= 3, $"'{a.Label}' {a.ShapeText} must be [batch..., L, M]");
        int rank = a.Shape.Length;
        int m = a.Shape[rank - 1];
        int rows = a.Shape[rank - 2];
        int batch = checked((int)(a.Length / Math.Max(1L, (long)rows * m)));
        int[] lead = a.Shape[..^2];
        OpCheck.That(op, b.Shape.Length == rank && b.Shape[..^2].SequenceEqual(lead) && b.Shape[rank - 2] == rows,
            $"'{b.Label}' {b.ShapeText} must be [{string.Join(", ", lead)}, {rows}, N] like '{a.Label}' {a.ShapeText}");
        int n = b.Shape[rank - 1];
        OpCheck.Shape(op, c, [.. lead, m, n]);
        OpCheck.That(op, batch >= 1 && indices.Count % batch == 0,
            $"indices '{indices.Label}' hold {indices.Count} values, not a multiple of the batch {batch}");
        OpCheck.That(op, scales.Length == indices.Count, $"scales '{scales.Label}' {scales.ShapeText} must hold one value per index ({indices.Count})");
        var p = SampledGemmProblem.Create(SampledGemmForm.Gather, m, n, indices.Count / batch, rows, batch) with { Alpha = alpha };
        Run(device, p, a, b, indices, scales, c);
    }

    /// <summary>
    /// Any <see cref="SampledGemmProblem"/> on tensors (strides as the problem says). Validates
    /// buffer lengths and host-known indices, then runs the kernel or the CPU backend.
    /// </summary>
    public static void Run(DeviceContext device, SampledGemmProblem p, Tensor a, Tensor b, IntTensor indices, Tensor? scales, Tensor c)
    {
        OpCheck.That(p.OpName, p.Form == SampledGemmForm.PreSampled || scales is not null, "the gather form needs scales");
        p.Validate(a.Length, b.Length, c.Length, indices.Count, scales?.Length ?? 0);
        if (indices.HostRange is { } range)
        {
            OpCheck.That(p.OpName, range.Min >= 0 && range.Max < p.Rows,
                $"indices '{indices.Label}' must be in [0, {p.Rows}), got {range.Min} at {range.MinRow} and {range.Max} at {range.MaxRow}");
        }
        int splits = SplitKFor(device, p);
        if (splits > 1)
        {
            RunSplitK(device, p, a, b, indices, scales, c, splits);
            return;
        }
        if (device.IsPlanning)
            return;
        var shape = LaunchShape(device, p); // the profiled name and groups, from one pass over the tile and split rules
        using var _ = device.Profiler.Launch(shape.Kernel, p.Flops, p.Bytes, shape.Groups);
        if (device.Mode != ExecutionMode.Kernels)
            SampledGemmCpu.Run(p, a.AsSpan(), b.AsSpan(), indices.AsSpan(), scales is null ? default : scales.AsSpan(), c.AsSpan());
        else if (device.UsesTf32Matmul)
            SampledGemmLargeKernels.Launch(device, p, a.View, b.View, indices.View, scales?.View ?? ArrayView<float>.Empty, c.View, MatmulPrecision.Tf32);
        else if (GemmKernels.ChooseTile(p.AsGemm()) == GemmTile.Large128)
            SampledGemmLargeKernels.Launch(device, p, a.View, b.View, indices.View, scales?.View ?? ArrayView<float>.Empty, c.View);
        else
            SampledGemmKernels.Launch(device, p, a.View, b.View, indices.View, scales?.View ?? ArrayView<float>.Empty, c.View);
    }

    /// <summary>
    /// K groups per tile on this device: the dense TN GEMM's split rule on the same shape with K =
    /// the sample count (<see cref="GemmKernels.ChooseSplitK"/>); 1 on the C# CPU backend and under
    /// TF32 (as the dense GEMM).
    /// </summary>
    public static int SplitKFor(DeviceContext device, SampledGemmProblem p) =>
        device.Mode == ExecutionMode.Kernels && !device.UsesTf32Matmul ? GemmKernels.ChooseSplitK(p.AsGemm(), GemmOp.Multiprocessors(device)) : 1;

    /// <summary>
    /// The kernel a problem runs as on this device: the TF32 kernel under <see cref="MatmulPrecision.Tf32"/>,
    /// the 128×128 one where the tile rule picks it, else the 64×64 one (split or not; also the name on the C# CPU backend).
    /// </summary>
    public static string KernelNameFor(DeviceContext device, SampledGemmProblem p) =>
        device.UsesTf32Matmul ? SampledGemmLargeKernels.NameFor(p.Form, MatmulPrecision.Tf32)
        : device.Mode == ExecutionMode.Kernels && SplitKFor(device, p) == 1 && GemmKernels.ChooseTile(p.AsGemm()) == GemmTile.Large128
            ? SampledGemmLargeKernels.NameFor(p.Form)
            : p.OpName;

    /// <summary>
    /// What the op launches for a problem on this device: the main kernel's name, its groups and
    /// the K groups per tile (1 without split-K); 0 groups on the C# CPU backend.
    /// </summary>
    public static (string Kernel, long Groups, int Splits) LaunchShape(DeviceContext device, SampledGemmProblem p)
    {
        string name = KernelNameFor(device, p);
        if (device.UsesTf32Matmul)
            return (name, SampledGemmLargeKernels.ConfigFor(p, MatmulPrecision.Tf32).GridDim.Size, 1);
        if (device.Mode != ExecutionMode.Kernels)
            return (name, 0, 1);
        int splits = SplitKFor(device, p);
        if (splits > 1)
            return (name, SampledGemmKernels.ConfigFor(p, splits).GridDim.Size, splits);
        var config = GemmKernels.ChooseTile(p.AsGemm()) == GemmTile.Large128 ? SampledGemmLargeKernels.ConfigFor(p) : SampledGemmKernels.ConfigFor(p);
        return (name, config.GridDim.Size, 1);
    }

    /// <summary>
    /// Split-K: partial tiles into a pooled workspace (tag Workspace, allocated before the planning
    /// return so memory plans count it), then the dense GEMM's fixed-order reduce; two profiled launches.
    /// </summary>
    private static void RunSplitK(DeviceContext device, SampledGemmProblem p, Tensor a, Tensor b, IntTensor indices, Tensor? scales, Tensor c, int splits)
    {
        long length = SampledGemmKernels.WorkspaceLength(p, splits);
        using var workspace = new Tensor(device.Pool, MemoryTag.Workspace, "sampled_gemm.splitk_partials", checked((int)length));
        if (device.IsPlanning)
            return;
        var scaleView = scales?.View ?? ArrayView<float>.Empty;
        using (device.Profiler.Launch(p.OpName, p.Flops, p.Bytes + 4.0 * length, SampledGemmKernels.ConfigFor(p, splits).GridDim.Size))
            SampledGemmKernels.LaunchPartial(device, p, a.View, b.View, indices.View, scaleView, c.Length, workspace.View, splits);
        long elements = (long)p.Batch * p.M * p.N;
        using (device.Profiler.Launch(GemmSplitKKernels.ReduceName, (double)length, 4.0 * (length + elements)))
            GemmSplitKKernels.LaunchReduce(device, workspace.View, c.View, p.Batch, p.M, p.N, p.StrideC, splits, p.Alpha, 0f);
    }

    /// <summary>A tensor as a row-major matrix: leading dims flattened into rows.</summary>
    private static (int Rows, int Cols) Matrix(string op, Tensor t)
    {
        OpCheck.That(op, t.Shape.Length >= 1, $"'{t.Label}' has no shape");
        int cols = t.Shape[^1];
        OpCheck.That(op, cols >= 1, $"'{t.Label}' {t.ShapeText} has no columns");
        return (checked((int)(t.Length / cols)), cols);
    }
}
