using CrsIlgpu.Kernels.Reduction;
using CrsIlgpu.Kernels.Runtime.Memory;

namespace CrsIlgpu.Kernels.LayerNorm;

/// <summary>
/// LayerNorm over the last dimension of a tensor of any rank (rows = product of the other
/// dimensions), with gamma and beta of length d. Forward saves mean and rstd (one per row) for
/// the backward, which then needs x but not y.
/// </summary>
public static class LayerNormOp
{
    /// <summary>timm's ViT uses eps = 1e-6 (PyTorch's default is 1e-5).</summary>
    public const float DefaultEps = 1e-6f;

    /// <summary>CPU-backend profile name of the whole backward (on the GPU each of its kernels is profiled).</summary>
    public const string BackwardName = "layernorm_backward";

    /// <summary>y = (x − mean)·rstd·gamma + beta, rstd = 1/√(var + eps) with the biased variance; writes mean and rstd [rows].</summary>
    public static void Forward(DeviceContext device, Tensor x, Tensor gamma, Tensor beta, Tensor y, Tensor mean, Tensor rstd, float eps = DefaultEps)
    {
        const string op = LayerNormKernels.ForwardName;
        var (rows, d) = CheckRows(op, x, gamma, mean, rstd);
        OpCheck.Shape(op, beta, d);
        OpCheck.SameShape(op, x, y);
        OpCheck.That(op, float.IsFinite(eps) && eps >= 0, $"eps must be finite and ≥ 0, got {eps}");
        if (device.IsPlanning)
            return;
        using var _ = device.Profiler.Launch(op, 8.0 * x.Length, 8.0 * x.Length + 8.0 * d + 8.0 * rows);
        if (device.Mode == ExecutionMode.Kernels)
            LayerNormKernels.LaunchForward(device, x.View, gamma.View, beta.View, y.View, mean.View, rstd.View, rows, d, eps);
        else
            LayerNormCpu.Forward(x.AsSpan(), gamma.AsSpan(), beta.AsSpan(), y.AsSpan(), mean.AsSpan(), rstd.AsSpan(), rows, d, eps);
    }

    /// <summary>
    /// The input the backward needs, from the output y and the saved statistics (LayerNorm backward
    /// from its output, as in-place LayerNorms do): x = x̂/rstd + mean with x̂ = (y − β)/γ. A column
    /// whose γ is exactly 0 kept no trace of x̂ (y = β there): its x̂ is taken as 0, so the backward's
    /// dβ stays exact, its dγ_j is 0 and dx misses that column's x̂ term (docs/ARCHITECTURE.md).
    /// </summary>
    public static void RecoverInput(DeviceContext device, Tensor y, Tensor gamma, Tensor beta, Tensor mean, Tensor rstd, Tensor x)
    {
        const string op = LayerNormKernels.RecoverInputName;
        var (rows, d) = CheckRows(op, y, gamma, mean, rstd);
        OpCheck.Shape(op, beta, d);
        OpCheck.SameShape(op, y, x);
        if (device.IsPlanning)
            return;
        using var _ = device.Profiler.Launch(op, 4.0 * x.Length, 8.0 * x.Length + 8.0 * d + 8.0 * rows);
        if (device.Mode == ExecutionMode.Kernels)
            LayerNormKernels.LaunchRecoverInput(device, y.View, gamma.View, beta.View, mean.View, rstd.View, x.View, d);
        else
            LayerNormCpu.RecoverInput(y.AsSpan(), gamma.AsSpan(), beta.AsSpan(), mean.AsSpan(), rstd.AsSpan(), x.AsSpan(), rows, d);
    }

    /// <summary>
    /// dx from x, the saved mean and rstd, gamma and dy; dx may be dy. dgamma and dbeta [d] are
    /// OVERWRITTEN (not accumulated) with Σ_rows dy·x̂ and Σ_rows dy, computed deterministically
    /// (fixed blocks of rows, a two-level reduction in a fixed order, no atomics). Uses a pooled
    /// workspace of 2·(blocks + chunks)·d floats on the GPU path (blocks = ⌈rows/<see cref="LayerNormKernels.RowsPerBlock"/>⌉,
    /// chunks = ⌈blocks/<see cref="LayerNormKernels.BlocksPerChunk"/>⌉).
    /// </summary>
    public static void Backward(DeviceContext device, Tensor x, Tensor mean, Tensor rstd, Tensor gamma, Tensor dy, Tensor dx, Tensor dgamma, Tensor dbeta)
    {
        const string op = BackwardName;
        var (rows, d) = CheckRows(op, x, gamma, mean, rstd);
        OpCheck.SameShape(op, x, dy);
        OpCheck.SameShape(op, x, dx);
        OpCheck.Shape(op, dgamma, d);
        OpCheck.Shape(op, dbeta, d);
        OpCheck.That(op, !ReferenceEquals(dgamma, dbeta), "dgamma and dbeta must be different tensors");
        if (device.Mode == ExecutionMode.CpuBackend)
        {
            using var _ = device.Profiler.Launch(op, 10.0 * x.Length, 16.0 * x.Length + 8.0 * rows);
            LayerNormCpu.Backward(x.AsSpan(), mean.AsSpan(), rstd.AsSpan(), gamma.AsSpan(), dy.AsSpan(), dx.AsSpan(), dgamma.AsSpan(), dbeta.AsSpan(), rows, d);
            return;
        }

        // dgamma/dbeta read dy before the dx kernel writes dx, so dx may be dy.
        var blocks = LayerNormKernels.ParamBlocks(rows);
        using var partialGamma = new Tensor(device.Pool, MemoryTag.Workspace, "layernorm.dgamma_partial", blocks, d);
        using var partialBeta = new Tensor(device.Pool, MemoryTag.Workspace, "layernorm.dbeta_partial", blocks, d);
        var chunks = LayerNormKernels.ParamChunks(rows);
        using var chunkGamma = new Tensor(device.Pool, MemoryTag.Workspace, "layernorm.dgamma_chunks", Math.Max(chunks, 1), d);
        using var chunkBeta = new Tensor(device.Pool, MemoryTag.Workspace, "layernorm.dbeta_chunks", Math.Max(chunks, 1), d);
        if (device.IsPlanning)
            return;
        using (device.Profiler.Launch(LayerNormKernels.BackwardParamsPartialName, 4.0 * x.Length, 8.0 * x.Length + 8.0 * rows + 8.0 * blocks * d))
            LayerNormKernels.LaunchBackwardParamsPartial(device, x.View, mean.View, rstd.View, dy.View, partialGamma.View, partialBeta.View, rows, d);
        if (chunks > 0)
        {
            using (device.Profiler.Launch(LayerNormKernels.BackwardParamsReduceName, 2.0 * blocks * d, 8.0 * (blocks + chunks) * d))
                LayerNormKernels.LaunchBackwardParamsReduce(device, partialGamma.View, partialBeta.View, chunkGamma.View, chunkBeta.View, blocks,
                    LayerNormKernels.BlocksPerChunk, chunks, d);
        }
        using (device.Profiler.Launch(LayerNormKernels.BackwardParamsReduceName, 2.0 * chunks * d, 8.0 * (chunks + 1) * d))
            LayerNormKernels.LaunchBackwardParamsReduce(device, chunkGamma.View, chunkBeta.View, dgamma.View, dbeta.View, chunks, Math.Max(chunks, 1), 1, d);
        using (device.Profiler.Launch(LayerNormKernels.BackwardDxName, 10.0 * x.Length, 12.0 * x.Length + 8.0 * rows + 4.0 * d))
            LayerNormKernels.LaunchBackwardDx(device, x.View, mean.View, rstd.View, gamma.View, dy.View, dx.View, rows, d);
    }

    private static (int Rows, int D) CheckRows(string op, Tensor x, Tensor gamma, Tensor mean, Tensor rstd)
    {
        var (rows, d) = RowGroups.Shape(op, x);
        OpCheck.That(op, d >= 1, $"'{x.Label}' {x.ShapeText} has an empty last dimension");
        OpCheck.Shape(op, gamma, d);
        OpCheck.That(op, mean.Length == rows, $"'{mean.Label}' {mean.ShapeText} must hold one value per row of '{x.Label}' {x.ShapeText} ({rows})");
        OpCheck.That(op, rstd.Length == rows, $"'{rstd.Label}' {rstd.ShapeText} must hold one value per row of '{x.Label}' {x.ShapeText} ({rows})");
        return (rows, d);
    }
}
