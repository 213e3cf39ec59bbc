using CrsIlgpu.Kernels.Reduction;
using CrsIlgpu.Kernels.Runtime.Memory;
using ILGPU.Runtime;

namespace CrsIlgpu.Kernels.Optim;

/// <summary>
/// Optimizer entry points. A training step is: <see cref="GlobalNorm"/> over all gradients (the
/// one host sync of the step: a 4-byte copy of the norm), <see cref="ClipScale"/> on the host, then
/// one <see cref="Adam"/> per parameter tensor with that scale as gradScale, so clipping costs no
/// extra pass over the gradients.
/// </summary>
public static class OptimOp
{
    /// <summary>Floating-point operations per element of the Adam update (see the kernel): scale and
    /// L2 (3), decoupled decay (1), m (3), v (4), sqrt, bias division and eps (3), division, step and subtraction (3).</summary>
    public const double AdamFlopsPerElement = 17;

    /// <summary>Reads of p, g, m, v and writes of p, m, v, in fp32.</summary>
    public const double AdamBytesPerElement = 7 * sizeof(float);

    /// <summary>
    /// One Adam / AdamW step (torch.optim.Adam / AdamW, non-amsgrad) on one parameter tensor:
    /// g' = gradScale·g (+ wd·p for <see cref="AdamDecayMode.L2"/>); p ← (1 − lr·wd)·p for
    /// <see cref="AdamDecayMode.Decoupled"/>; m ← β1 m + (1−β1) g'; v ← β2 v + (1−β2) g'²;
    /// p ← p − lr·m̂ / (sqrt(v̂) + eps) with m̂ = m/(1−β1^t), v̂ = v/(1−β2^t). Updates p, m, v in place;
    /// g is read only. <paramref name="step"/> is 1 on the first update.
    /// </summary>
    public static void Adam(DeviceContext device, Tensor param, Tensor grad, Tensor m, Tensor v, AdamHyperParameters hp, int step, float gradScale = 1f)
    {
        const string op = OptimKernels.AdamUpdateName;
        OpCheck.SameShape(op, param, grad);
        OpCheck.SameShape(op, param, m);
        OpCheck.SameShape(op, param, v);
        OpCheck.That(op, step >= 1, $"step must be >= 1 (1-based, for the bias corrections), got {step}");
        OpCheck.That(op, float.IsFinite(gradScale) && gradScale >= 0, $"gradient scale must be finite and >= 0, got {gradScale}");
        OpCheck.That(op, param.Length <= int.MaxValue, $"'{param.Label}' {param.ShapeText} has more than 2^31 elements");
        hp.Validate(op);
        var scalars = AdamStepScalars.For(hp, step, gradScale);
        if (param.Length == 0)
            return;
        if (device.IsPlanning)
            return;
        using var _ = device.Profiler.Launch(op, AdamFlopsPerElement * param.Length, AdamBytesPerElement * param.Length);
        if (device.Mode == ExecutionMode.Kernels)
            OptimKernels.LaunchAdamUpdate(device, param.View, grad.View, m.View, v.View, scalars);
        else
            OptimCpu.Adam(param.AsSpan(), grad.AsSpan(), m.AsSpan(), v.AsSpan(), scalars);
    }

    /// <summary>
    /// L2 norm of all elements of all <paramref name="grads"/> (torch.nn.utils.clip_grad_norm_'s
    /// total_norm with norm_type 2). On the kernels path: pass 1 writes one partial sum of squares
    /// per group of every tensor into a workspace, pass 2 (one group) sums them in a fixed order
    /// and takes the sqrt; no atomics, so the same inputs and group size give the same bits.
    /// HOST SYNC: the result is copied back to the host (4 bytes), which waits for every kernel
    /// queued before it; this is the one host sync of an optimizer step.
    /// </summary>
    /// <param name="groupSize">Threads per group of both passes (1 to 1024); the result depends on it only by rounding.</param>
    public static float GlobalNorm(DeviceContext device, IReadOnlyList<Tensor> grads, int groupSize = OptimKernels.DefaultNormGroupSize)
    {
        const string op = "global_norm";
        OpCheck.That(op, groupSize is >= 1 and <= GroupReduce.MaxGroupSize, $"group size must be in 1..{GroupReduce.MaxGroupSize}, got {groupSize}");
        foreach (var grad in grads)
            OpCheck.That(op, grad.Length <= int.MaxValue, $"'{grad.Label}' {grad.ShapeText} has more than 2^31 elements");

        if (device.Mode != ExecutionMode.Kernels)
        {
            double sum = 0;
            foreach (var grad in grads)
            {
                using var _ = device.Profiler.Launch(OptimKernels.NormPartialsName, 2.0 * grad.Length, 4.0 * grad.Length);
                sum += OptimCpu.SumOfSquares(grad.AsSpan());
            }
            return (float)Math.Sqrt(sum);
        }

        var groups = grads.Select(t => OptimKernels.NormGroupsFor(t.Length, groupSize)).ToArray();
        var count = groups.Sum();
        if (count == 0)
            return 0f;
        // [0, count): the partials of every tensor, back to back; [count]: the norm.
        using var workspace = new Tensor(device.Pool, MemoryTag.Workspace, "optim.global_norm", count + 1);
        if (device.IsPlanning)
            return 0f;
        var partials = workspace.View.SubView(0, count);
        var offset = 0;
        for (var k = 0; k < grads.Count; k++)
        {
            if (groups[k] == 0)
                continue;
            using (device.Profiler.Launch(OptimKernels.NormPartialsName, 2.0 * grads[k].Length, 4.0 * grads[k].Length + 4.0 * groups[k]))
                OptimKernels.LaunchNormPartials(device, grads[k].View, partials.SubView(offset, groups[k]), groups[k], groupSize);
            offset += groups[k];
        }
        using (device.Profiler.Launch(OptimKernels.NormFinishName, count + 1, 4.0 * (count + 1)))
            OptimKernels.LaunchNormFinish(device, partials, workspace.View.SubView(count, 1), groupSize);
        var norm = new float[1];
        workspace.View.SubView(count, 1).CopyToCPU(norm);
        return norm[0];
    }

    /// <summary>
    /// The global norm of a flat gradient buffer laid out as <paramref name="plan"/> says, written to
    /// <paramref name="norm"/> [1] on the device with no host copy: two launches (all partials in one,
    /// then the finish), bit-identical to <see cref="GlobalNorm"/> over the tensors one by one (same
    /// groups, same order). CPU backend: the per-tensor sums of <see cref="GlobalNorm"/>, in order.
    /// </summary>
    public static void GlobalNorm(DeviceContext device, Tensor flat, GlobalNormPlan plan, Tensor norm)
    {
        const string op = "global_norm";
        OpCheck.That(op, norm.Length == 1, $"'{norm.Label}' {norm.ShapeText} must hold one value");
        OpCheck.That(op, plan.Segments.All(s => s.Offset + s.Length <= flat.Length), $"the norm plan reaches past '{flat.Label}' {flat.ShapeText}");
        if (device.IsPlanning)
        {
            // The kernel path's workspace, so a plan sizes the step as it runs.
            using var planned = new Tensor(device.Pool, MemoryTag.Workspace, "optim.global_norm", plan.Groups + 1);
            return;
        }
        if (device.Mode != ExecutionMode.Kernels)
        {
            using var _ = device.Profiler.Launch(OptimKernels.NormPartialsName, 2.0 * flat.Length, 4.0 * flat.Length);
            var span = flat.AsSpan();
            double sum = 0;
            foreach (var (offset, length) in plan.Segments)
                sum += OptimCpu.SumOfSquares(span.Slice((int)offset, (int)length));
            norm.AsSpan()[0] = (float)Math.Sqrt(sum);
            return;
        }
        if (plan.Groups == 0)
        {
            norm.View.MemSetToZero();
            return;
        }
        using var workspace = new Tensor(device.Pool, MemoryTag.Workspace, "optim.global_norm", plan.Groups + 1);
        var partials = workspace.View.SubView(0, plan.Groups);
        using (device.Profiler.Launch(OptimKernels.NormSegmentedPartialsName, 2.0 * flat.Length, 4.0 * flat.Length + 4.0 * plan.Groups))
            OptimKernels.LaunchNormSegmentedPartials(device, flat.View, plan.Table!.View, partials, plan.Groups, plan.GroupSize);
        using (device.Profiler.Launch(OptimKernels.NormFinishName, plan.Groups + 1, 4.0 * (plan.Groups + 1)))
            OptimKernels.LaunchNormFinish(device, partials, norm.View, plan.GroupSize);
    }

    /// <summary>
    /// <see cref="Adam"/> with gradient clipping whose scale min(1, maxNorm/(norm+1e-6)) is taken from
    /// <paramref name="norm"/> [1] where it lies (the device), so clipping needs no host round trip.
    /// The same bits as <see cref="Adam"/> with <see cref="ClipScale"/> of the same norm.
    /// </summary>
    public static void AdamClipped(DeviceContext device, Tensor param, Tensor grad, Tensor m, Tensor v, AdamHyperParameters hp, int step, Tensor norm,
        float maxNorm)
    {
        const string op = OptimKernels.AdamUpdateClippedName;
        OpCheck.SameShape(op, param, grad);
        OpCheck.SameShape(op, param, m);
        OpCheck.SameShape(op, param, v);
        OpCheck.That(op, norm.Length == 1, $"'{norm.Label}' {norm.ShapeText} must hold one value");
        OpCheck.That(op, step >= 1, $"step must be >= 1 (1-based, for the bias corrections), got {step}");
        OpCheck.That(op, maxNorm > 0 && float.IsFinite(maxNorm), $"max norm must be finite and > 0, got {maxNorm}");
        OpCheck.That(op, param.Length <= int.MaxValue, $"'{param.Label}' {param.ShapeText} has more than 2^31 elements");
        hp.Validate(op);
        if (param.Length == 0 || device.IsPlanning)
            return;
        if (device.Mode != ExecutionMode.Kernels)
        {
            // Host memory: the norm is read in place (no copy, no wait). A NaN scale poisons p as on the device.
            using (device.Profiler.Launch(OptimKernels.AdamUpdateName, AdamFlopsPerElement * param.Length, AdamBytesPerElement * param.Length))
                OptimCpu.Adam(param.AsSpan(), grad.AsSpan(), m.AsSpan(), v.AsSpan(), AdamStepScalars.For(hp, step, ClipScale(norm.AsSpan()[0], maxNorm)));
            return;
        }
        using var _ = device.Profiler.Launch(op, (AdamFlopsPerElement + 2) * param.Length, AdamBytesPerElement * param.Length);
        OptimKernels.LaunchAdamUpdateClipNorm(device, param.View, grad.View, m.View, v.View, AdamStepScalars.For(hp, step), norm.View, maxNorm);
    }

    /// <summary>
    /// torch.nn.utils.clip_grad_norm_'s factor: min(1, maxNorm / (norm + 1e-6)), in fp32. Pass it
    /// as gradScale to <see cref="Adam"/>. A NaN norm gives NaN (the step then poisons p visibly
    /// instead of silently skipping), an infinite one gives 0.
    /// </summary>
    public static float ClipScale(float norm, float maxNorm)
    {
        if (!(maxNorm > 0) || float.IsInfinity(maxNorm))
            throw new ArgumentOutOfRangeException(nameof(maxNorm), maxNorm, "max norm must be finite and > 0");
        var scale = maxNorm / (norm + 1e-6f);
        return float.IsNaN(scale) ? float.NaN : MathF.Min(1f, scale);
    }
}
