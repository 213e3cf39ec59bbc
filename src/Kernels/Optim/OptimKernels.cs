using System.Reflection;
using CrsIlgpu.Kernels.Reduction;
using CrsIlgpu.Kernels.Runtime;
using ILGPU;
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

    /// <summary>Threads per group of the norm kernels unless a caller picks another size.</summary>
    public const int DefaultNormGroupSize = 256;

    /// <summary>
    /// Cap on the partial-sum groups per tensor: enough groups to fill an H100 (132 SMs × 8 groups
    /// of 256) while keeping the workspace and the single-group finish pass small.
    /// </summary>
    public const int MaxNormGroupsPerTensor = 1024;

    public static IReadOnlyList<KernelEntry> Catalog { get; } =
    [
        new(AdamUpdateName, "Optim", Method(nameof(OptimAdamUpdate)), KernelGrouping.Implicit,
            "Adam/AdamW step: scale g, decay, update m and v, bias-corrected p update"),
        new(NormPartialsName, "Optim", Method(nameof(OptimNormPartialSumsOfSquares)), KernelGrouping.Explicit,
            "global grad norm pass 1: one sum of squares per group"),
        new(NormFinishName, "Optim", Method(nameof(OptimNormFinish)), KernelGrouping.Explicit,
            "global grad norm pass 2: one group sums the partials, writes sqrt"),
    ];

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

    /// <summary>Pass 1: group b writes the sum of squares of its grid-strided elements of x to partials[b].</summary>
    internal static void OptimNormPartialSumsOfSquares(ArrayView<float> x, ArrayView<float> partials, int length)
    {
        var sum = 0f;
        var stride = Grid.DimX * Group.DimX;
        for (var j = Grid.IdxX * Group.DimX + Group.IdxX; j < length; j += stride)
        {
            var value = x[j];
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

    public static void LaunchNormPartials(DeviceContext device, ArrayView<float> x, ArrayView<float> partials, int groups, int groupSize) =>
        device.Kernel(NormPartialsName, acc => acc.LoadStreamKernel<ArrayView<float>, ArrayView<float>, int>(OptimNormPartialSumsOfSquares))
            (new KernelConfig(groups, groupSize), x, partials, (int)x.Length);

    public static void LaunchNormFinish(DeviceContext device, ArrayView<float> partials, ArrayView<float> norm, int groupSize) =>
        device.Kernel(NormFinishName, acc => acc.LoadStreamKernel<ArrayView<float>, ArrayView<float>, int>(OptimNormFinish))
            (new KernelConfig(1, groupSize), partials, norm, (int)partials.Length);

    private static MethodInfo Method(string name) =>
        typeof(OptimKernels).GetMethod(name, BindingFlags.NonPublic | BindingFlags.Static)!;
}
