namespace CrsIlgpu.Kernels.Attention;

/// <summary>Entry points of the attention layout changes (see <see cref="AttentionKernels"/>).</summary>
public static class AttentionLayoutOp
{
    private static double Bytes(AttentionShape s, int tensors) => 2.0 * tensors * s.HeadTensorLength * sizeof(float);

    /// <summary>qkv [B·L, 3·D] → q, k, v [B·H, L, Dh].</summary>
    public static void SplitQkv(DeviceContext device, AttentionShape s, Tensor qkv, Tensor q, Tensor k, Tensor v) =>
        QkvLayout(device, s, qkv, q, k, v, toHeads: true);

    /// <summary>dq, dk, dv [B·H, L, Dh] → dqkv [B·L, 3·D] (overwritten).</summary>
    public static void MergeQkvGrad(DeviceContext device, AttentionShape s, Tensor dq, Tensor dk, Tensor dv, Tensor dqkv) =>
        QkvLayout(device, s, dqkv, dq, dk, dv, toHeads: false);

    /// <summary>o [B·H, L, Dh] → y [B·L, D].</summary>
    public static void MergeHeads(DeviceContext device, AttentionShape s, Tensor o, Tensor y) =>
        HeadsLayout(device, s, y, o, toHeads: false);

    /// <summary>dy [B·L, D] → do [B·H, L, Dh].</summary>
    public static void SplitHeadsGrad(DeviceContext device, AttentionShape s, Tensor dy, Tensor dO) =>
        HeadsLayout(device, s, dy, dO, toHeads: true);

    /// <summary>Between qkv [B·L, 3·D] and q, k, v [B·H, L, Dh]: the split when <paramref name="toHeads"/>, else the merge of the gradients.</summary>
    private static void QkvLayout(DeviceContext device, AttentionShape s, Tensor qkv, Tensor q, Tensor k, Tensor v, bool toHeads)
    {
        var op = toHeads ? AttentionKernels.SplitQkvName : AttentionKernels.MergeQkvGradName;
        OpCheck.Shape(op, qkv, s.Batch * s.Tokens, 3 * s.Dim);
        foreach (var t in new[] { q, k, v })
            OpCheck.Shape(op, t, s.BatchHeads, s.Tokens, s.HeadDim);
        if (device.IsPlanning || qkv.Length == 0)
            return; // an empty tensor: nothing to launch (CUDA rejects a zero grid)
        using var _ = device.Profiler.Launch(op, 0, Bytes(s, 3));
        if (device.Mode == ExecutionMode.Kernels && toHeads)
            AttentionKernels.LaunchSplitQkv(device, s, qkv.View, q.View, k.View, v.View);
        else if (device.Mode == ExecutionMode.Kernels)
            AttentionKernels.LaunchMergeQkvGrad(device, s, q.View, k.View, v.View, qkv.View);
        else if (toHeads)
            AttentionCpu.SplitQkv(s, qkv.AsSpan(), q.AsSpan(), k.AsSpan(), v.AsSpan());
        else
            AttentionCpu.MergeQkvGrad(s, q.AsSpan(), k.AsSpan(), v.AsSpan(), qkv.AsSpan());
    }

    /// <summary>Between rows [B·L, D] and heads [B·H, L, Dh]: the split of the gradient when <paramref name="toHeads"/>, else the merge.</summary>
    private static void HeadsLayout(DeviceContext device, AttentionShape s, Tensor rows, Tensor heads, bool toHeads)
    {
        var op = toHeads ? AttentionKernels.SplitHeadsGradName : AttentionKernels.MergeHeadsName;
        // The source is checked first.
        if (toHeads)
            OpCheck.Shape(op, rows, s.Batch * s.Tokens, s.Dim);
        OpCheck.Shape(op, heads, s.BatchHeads, s.Tokens, s.HeadDim);
        if (!toHeads)
            OpCheck.Shape(op, rows, s.Batch * s.Tokens, s.Dim);
        if (device.IsPlanning || rows.Length == 0)
            return; // an empty tensor: nothing to launch (CUDA rejects a zero grid)
        using var _ = device.Profiler.Launch(op, 0, Bytes(s, 1));
        if (device.Mode == ExecutionMode.Kernels && toHeads)
            AttentionKernels.LaunchSplitHeadsGrad(device, s, rows.View, heads.View);
        else if (device.Mode == ExecutionMode.Kernels)
            AttentionKernels.LaunchMergeHeads(device, s, heads.View, rows.View);
        else if (toHeads)
            AttentionCpu.SplitHeadsGrad(s, rows.AsSpan(), heads.AsSpan());
        else
            AttentionCpu.MergeHeads(s, heads.AsSpan(), rows.AsSpan());
    }
}
