using CrsIlgpu.Kernels.Runtime;

namespace CrsIlgpu.Kernels.Attention;

/// <summary>Entry points of the attention layout changes (see <see cref="AttentionKernels"/>).</summary>
public static class AttentionLayoutOp
{
    private static double Bytes(AttentionShape s, int tensors) => 2.0 * tensors * s.HeadTensorLength * sizeof(float);

    /// <summary>qkv [B·L, 3·D] → q, k, v [B·H, L, Dh].</summary>
    public static void SplitQkv(DeviceContext device, AttentionShape s, Tensor qkv, Tensor q, Tensor k, Tensor v)
    {
        const string op = AttentionKernels.SplitQkvName;
        OpCheck.Shape(op, qkv, s.Batch * s.Tokens, 3 * s.Dim);
        foreach (var t in new[] { q, k, v })
            OpCheck.Shape(op, t, s.BatchHeads, s.Tokens, s.HeadDim);
        if (device.IsPlanning || qkv.Length == 0)
            return; // an empty tensor: nothing to launch (CUDA rejects a zero grid)
        using var _ = device.Profiler.Launch(op, 0, Bytes(s, 3));
        if (device.Mode == ExecutionMode.Kernels)
            AttentionKernels.LaunchSplitQkv(device, s, qkv.View, q.View, k.View, v.View);
        else
            AttentionCpu.SplitQkv(s, qkv.AsSpan(), q.AsSpan(), k.AsSpan(), v.AsSpan());
    }

    /// <summary>dq, dk, dv [B·H, L, Dh] → dqkv [B·L, 3·D] (overwritten).</summary>
    public static void MergeQkvGrad(DeviceContext device, AttentionShape s, Tensor dq, Tensor dk, Tensor dv, Tensor dqkv)
    {
        const string op = AttentionKernels.MergeQkvGradName;
        OpCheck.Shape(op, dqkv, s.Batch * s.Tokens, 3 * s.Dim);
        foreach (var t in new[] { dq, dk, dv })
            OpCheck.Shape(op, t, s.BatchHeads, s.Tokens, s.HeadDim);
        if (device.IsPlanning || dqkv.Length == 0)
            return; // an empty tensor: nothing to launch (CUDA rejects a zero grid)
        using var _ = device.Profiler.Launch(op, 0, Bytes(s, 3));
        if (device.Mode == ExecutionMode.Kernels)
            AttentionKernels.LaunchMergeQkvGrad(device, s, dq.View, dk.View, dv.View, dqkv.View);
        else
            AttentionCpu.MergeQkvGrad(s, dq.AsSpan(), dk.AsSpan(), dv.AsSpan(), dqkv.AsSpan());
    }

    /// <summary>o [B·H, L, Dh] → y [B·L, D].</summary>
    public static void MergeHeads(DeviceContext device, AttentionShape s, Tensor o, Tensor y)
    {
        const string op = AttentionKernels.MergeHeadsName;
        OpCheck.Shape(op, o, s.BatchHeads, s.Tokens, s.HeadDim);
        OpCheck.Shape(op, y, s.Batch * s.Tokens, s.Dim);
        if (device.IsPlanning || y.Length == 0)
            return; // an empty tensor: nothing to launch (CUDA rejects a zero grid)
        using var _ = device.Profiler.Launch(op, 0, Bytes(s, 1));
        if (device.Mode == ExecutionMode.Kernels)
            AttentionKernels.LaunchMergeHeads(device, s, o.View, y.View);
        else
            AttentionCpu.MergeHeads(s, o.AsSpan(), y.AsSpan());
    }

    /// <summary>dy [B·L, D] → do [B·H, L, Dh].</summary>
    public static void SplitHeadsGrad(DeviceContext device, AttentionShape s, Tensor dy, Tensor dO)
    {
        const string op = AttentionKernels.SplitHeadsGradName;
        OpCheck.Shape(op, dy, s.Batch * s.Tokens, s.Dim);
        OpCheck.Shape(op, dO, s.BatchHeads, s.Tokens, s.HeadDim);
        if (device.IsPlanning || dy.Length == 0)
            return; // an empty tensor: nothing to launch (CUDA rejects a zero grid)
        using var _ = device.Profiler.Launch(op, 0, Bytes(s, 1));
        if (device.Mode == ExecutionMode.Kernels)
            AttentionKernels.LaunchSplitHeadsGrad(device, s, dy.View, dO.View);
        else
            AttentionCpu.SplitHeadsGrad(s, dy.AsSpan(), dO.AsSpan());
    }
}
