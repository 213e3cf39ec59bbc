using System.Runtime.CompilerServices;
using CrsIlgpu.Kernels.Reduction;
using ILGPU.Algorithms;
using ILGPU.Runtime;

namespace CrsIlgpu.Kernels.Optim;

/// <summary>
/// Optimizer kernels: the fused Adam/AdamW update (one pass over p, g, m, v) and the two passes of
/// the deterministic global gradient norm (per-group partial sums of squares, then one group
/// that sums the partials in a fixed order; no float atomics, so the norm is bit-reproducible).
/// </summary>
public static class OptimKernels
{
    public const string AdamUpdateName = "adam_update";
    public const string NormPartialsName = "global_norm_partials";
    public const string NormFinishName = "global_norm_finish";
    public const string AdamUpdateClippedName = "adam_update_clipnorm";
    public const string NormSegmentedPartialsName = "global_norm_partials_segmented";

    /// <summary>Ints per group in the segment table of <see cref="NormSegmentedPartialsName"/>: start, length, group in segment, groups of segment.</summary>
    public const int SegmentTableStride = 4;

    /// <summary>Threads per group of the norm kernels unless a caller picks another size.</summary>
    public const int DefaultNormGroupSize = 256;

    /// <summary>
    /// Cap on the partial-sum groups per tensor: enough groups to fill an H100 (132 SMs × 8 groups
    /// of 256) while keeping the workspace and the single-group finish pass small.
    /// </summary>
    public const int MaxNormGroupsPerTensor = 1024;

    public static IReadOnlyList<KernelEntry> Catalog { get; } = KernelEntry.CatalogOf(typeof(OptimKernels), "Optim",
    [
        (AdamUpdateName, nameof(OptimAdamUpdate), KernelGrouping.Implicit,
            "Adam/AdamW step: scale g, decay, update m and v, bias-corrected p update"),
        (NormPartialsName, nameof(OptimNormPartialSumsOfSquares), KernelGrouping.Explicit,
            "global grad norm pass 1: one sum of squares per group"),
        (NormFinishName, nameof(OptimNormFinish), KernelGrouping.Explicit,
            "global grad norm pass 2: one group sums the partials, writes sqrt"),
        (AdamUpdateClippedName, nameof(OptimAdamUpdateClipNorm), KernelGrouping.Implicit,
            "Adam/AdamW step over a flat buffer, gradient scale min(1, max/(norm+1e-6)) from the device's global norm"),
        (NormSegmentedPartialsName, nameof(OptimNormSegmentedPartials), KernelGrouping.Explicit,
            "global grad norm pass 1 over a flat buffer: each group sums its tensor's share, as the per-tensor launches did"),
    ]);

    /// <summary>Number of partial sums (groups) pass 1 uses for a tensor of <paramref name="length"/> elements.</summary>
    public static int NormGroupsFor(long length, int groupSize) =>
        (int)Math.Min(MaxNormGroupsPerTensor, (length + groupSize - 1) / groupSize);

    internal static void OptimAdamUpdate(
        Index1D i, ArrayView<float> p, ArrayView<float> g, ArrayView<float> m, ArrayView<float> v, AdamStepScalars s)
    {
        var param = p[i];
        // Order as PyTorch's single-tensor Adam: clip scale, L2 into the gradient, then
        // (AdamW) the decoupled decay of p, the moments, and the bias-corrected step.
        var grad = g[i] * s.GradScale + s.L2Decay * param;
        param *= s.ParamDecay;
        var mi = s.Beta1 * m[i] + s.OneMinusBeta1 * grad;
        var vi = s.Beta2 * v[i] + s.OneMinusBeta2 * (grad * grad);
        var denom = XMath.Sqrt(vi) / s.BiasCorrection2Sqrt + s.Epsilon;
        m[i] = mi;
        v[i] = vi;
        p[i] = param - s.StepSize * (mi / denom);
    }

    /// <summary>
    /// The update of <see cref="OptimAdamUpdate"/> with the clipping scale computed from the global
    /// norm where it lies on the device (no host round trip): the fp32 operations of
    /// <see cref="OptimOp.ClipScale"/> in the same order, so the scale has the same bits.
    /// </summary>
    internal static void OptimAdamUpdateClipNorm(
        Index1D i, ArrayView<float> p, ArrayView<float> g, ArrayView<float> m, ArrayView<float> v, AdamStepScalars s,
        ArrayView<float> norm, float maxNorm)
    {
        var clip = maxNorm / (norm[0] + 1e-6f);
        // min(1, clip) with NaN kept (MathF.Min's rule): the step then poisons p visibly.
        var scale = clip < 1f ? clip : (clip >= 1f ? 1f : clip);
        var param = p[i];
        var grad = g[i] * scale + s.L2Decay * param;
        param *= s.ParamDecay;
        var mi = s.Beta1 * m[i] + s.OneMinusBeta1 * grad;
        var vi = s.Beta2 * v[i] + s.OneMinusBeta2 * (grad * grad);
        var denom = XMath.Sqrt(vi) / s.BiasCorrection2Sqrt + s.Epsilon;
        m[i] = mi;
        v[i] = vi;
        p[i] = param - s.StepSize * (mi / denom);
    }

    /// <summary>
    /// Pass 1 over a flat buffer of several tensors in ONE launch: group b reads its row of
    /// <paramref name="table"/> (tensor start, length, its index among that tensor's groups, that
    /// tensor's group count) and sums exactly the elements, in exactly the order, that group of the
    /// per-tensor launch (<see cref="OptimNormPartialSumsOfSquares"/>) summed: the same partials, bit for bit.
    /// </summary>
    internal static void OptimNormSegmentedPartials(ArrayView<float> x, ArrayView<int> table, ArrayView<float> partials)
    {
        var row = Grid.IdxX * SegmentTableStride;
        var start = table[row];
        var length = table[row + 1];
        var local = table[row + 2];
        var groups = table[row + 3];
        GroupSumOfSquares(x, start, local, groups, length, partials);
    }

    /// <summary>Pass 1: group b writes the sum of squares of its grid-strided elements of x to partials[b].</summary>
    internal static void OptimNormPartialSumsOfSquares(ArrayView<float> x, ArrayView<float> partials, int length) =>
        GroupSumOfSquares(x, 0, Grid.IdxX, Grid.DimX, length, partials);

    /// <summary>
    /// The sum of squares of x[start + j] over this group's grid-strided j &lt; length (group
    /// <paramref name="group"/> of <paramref name="groups"/>), written by thread 0 to partials[Grid.IdxX].
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void GroupSumOfSquares(ArrayView<float> x, int start, int group, int groups, int length, ArrayView<float> partials)
    {
        var sum = 0f;
        var stride = groups * Group.DimX;
        for (var j = group * Group.DimX + Group.IdxX; j < length; j += stride)
        {
            var value = x[start + j];
            sum += value * value;
        }
        sum = GroupReduce.Sum(sum);
        if (Group.IdxX == 0)
            partials[Grid.IdxX] = sum;
    }

    /// <summary>Pass 2 (one group): norm[0] = sqrt(sum of partials[0..count)), summed in a fixed order.</summary>
    internal static void OptimNormFinish(ArrayView<float> partials, ArrayView<float> norm, int count)
    {
        var sum = 0f;
        for (var j = Group.IdxX; j < count; j += Group.DimX)
            sum += partials[j];
        sum = GroupReduce.Sum(sum);
        if (Group.IdxX == 0)
            norm[0] = XMath.Sqrt(sum);
    }

    public static void LaunchAdamUpdate(
        DeviceContext device, ArrayView<float> p, ArrayView<float> g, ArrayView<float> m, ArrayView<float> v, AdamStepScalars scalars) =>
        device.Kernel(AdamUpdateName, acc => acc.LoadAutoGroupedStreamKernel<
                Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, AdamStepScalars>(OptimAdamUpdate))
            ((int)p.Length, p, g, m, v, scalars);

    public static void LaunchAdamUpdateClipNorm(
        DeviceContext device, ArrayView<float> p, ArrayView<float> g, ArrayView<float> m, ArrayView<float> v, AdamStepScalars scalars,
        ArrayView<float> norm, float maxNorm)
    {
        if (p.Length == 0)
            return;
        device.Kernel(AdamUpdateClippedName, acc => acc.LoadAutoGroupedStreamKernel<
                Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>,
                ArrayView<float>, AdamStepScalars, ArrayView<float>, float>(OptimAdamUpdateClipNorm))
            ((int)p.Length, p, g, m, v, scalars, norm, maxNorm);
    }

    public static void LaunchNormSegmentedPartials(DeviceContext device, ArrayView<float> x, ArrayView<int> table, ArrayView<float> partials, int groups,
        int groupSize)
    {
        if (groups == 0)
            return;
        device.Kernel(NormSegmentedPartialsName, acc => acc.LoadStreamKernel<ArrayView<float>, ArrayView<int>, ArrayView<float>>(OptimNormSegmentedPartials))
            (new KernelConfig(groups, groupSize), x, table, partials);
    }

    public static void LaunchNormPartials(DeviceContext device, ArrayView<float> x, ArrayView<float> partials, int groups, int groupSize) =>
        device.Kernel(NormPartialsName, acc => acc.LoadStreamKernel<ArrayView<float>, ArrayView<float>, int>(OptimNormPartialSumsOfSquares))
            (new KernelConfig(groups, groupSize), x, partials, (int)x.Length);

    public static void LaunchNormFinish(DeviceContext device, ArrayView<float> partials, ArrayView<float> norm, int groupSize) =>
        device.Kernel(NormFinishName, acc => acc.LoadStreamKernel<ArrayView<float>, ArrayView<float>, int>(OptimNormFinish))
            (new KernelConfig(1, groupSize), partials, norm, (int)partials.Length);
}
