using ILGPU.Runtime;

namespace CrsIlgpu.Kernels.Attention;

/// <summary>
/// The layout changes around attention. The qkv linear writes [B, L, 3, H, Dh] (timm's order);
/// attention works on contiguous per-(batch, head) matrices [B·H, L, Dh]; the output projection
/// reads [B, L, H·Dh]. One thread per element of the head-major side, so reads or writes of
/// consecutive threads are contiguous along Dh on both sides.
/// </summary>
public static class AttentionKernels
{
    public const string SplitQkvName = "attention_split_qkv";
    public const string MergeQkvGradName = "attention_merge_qkv_grad";
    public const string MergeHeadsName = "attention_merge_heads";
    public const string SplitHeadsGradName = "attention_split_heads_grad";

    public static IReadOnlyList<KernelEntry> Catalog { get; } = KernelEntry.CatalogOf(typeof(AttentionKernels), "Attention",
    [
        (SplitQkvName, nameof(AttentionSplitQkv), KernelGrouping.Implicit, "[B, L, 3, H, Dh] → q, k, v [B·H, L, Dh]"),
        (MergeQkvGradName, nameof(AttentionMergeQkvGrad), KernelGrouping.Implicit,
            "dq, dk, dv [B·H, L, Dh] → dqkv [B, L, 3, H, Dh]"),
        (MergeHeadsName, nameof(AttentionMergeHeads), KernelGrouping.Implicit, "o [B·H, L, Dh] → [B, L, H·Dh]"),
        (SplitHeadsGradName, nameof(AttentionSplitHeadsGrad), KernelGrouping.Implicit, "d[B, L, H·Dh] → do [B·H, L, Dh]"),
    ]);

    /// <summary>Offset in [B, L, (3,) H, Dh] of head-major element i of [B·H, L, Dh] (part 0..2 of qkv, or 0 with parts = 1).</summary>
    private static long TokenMajorOffset(long i, AttentionShape s, int parts, int part)
    {
        var d = i % s.HeadDim;
        var rest = i / s.HeadDim;
        var l = rest % s.Tokens;
        var bh = rest / s.Tokens;
        var h = bh % s.Heads;
        var b = bh / s.Heads;
        return (((b * s.Tokens + l) * parts + part) * s.Heads + h) * s.HeadDim + d;
    }

    internal static void AttentionSplitQkv(Index1D i, AttentionShape s, ArrayView<float> qkv, ArrayView<float> q, ArrayView<float> k, ArrayView<float> v)
    {
        q[i] = qkv[TokenMajorOffset(i, s, 3, 0)];
        k[i] = qkv[TokenMajorOffset(i, s, 3, 1)];
        v[i] = qkv[TokenMajorOffset(i, s, 3, 2)];
    }

    internal static void AttentionMergeQkvGrad(Index1D i, AttentionShape s, ArrayView<float> dq, ArrayView<float> dk, ArrayView<float> dv,
        ArrayView<float> dqkv)
    {
        dqkv[TokenMajorOffset(i, s, 3, 0)] = dq[i];
        dqkv[TokenMajorOffset(i, s, 3, 1)] = dk[i];
        dqkv[TokenMajorOffset(i, s, 3, 2)] = dv[i];
    }

    internal static void AttentionMergeHeads(Index1D i, AttentionShape s, ArrayView<float> o, ArrayView<float> y) =>
        y[TokenMajorOffset(i, s, 1, 0)] = o[i];

    internal static void AttentionSplitHeadsGrad(Index1D i, AttentionShape s, ArrayView<float> dy, ArrayView<float> dO) =>
        dO[i] = dy[TokenMajorOffset(i, s, 1, 0)];

    public static void LaunchSplitQkv(DeviceContext device, AttentionShape s, ArrayView<float> qkv, ArrayView<float> q, ArrayView<float> k,
        ArrayView<float> v) =>
        device.Kernel(SplitQkvName, acc => acc.LoadAutoGroupedStreamKernel<
            Index1D, AttentionShape, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>>(AttentionSplitQkv))
            ((int)s.HeadTensorLength, s, qkv, q, k, v);

    public static void LaunchMergeQkvGrad(DeviceContext device, AttentionShape s, ArrayView<float> dq, ArrayView<float> dk, ArrayView<float> dv,
        ArrayView<float> dqkv) =>
        device.Kernel(MergeQkvGradName, acc => acc.LoadAutoGroupedStreamKernel<
            Index1D, AttentionShape, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>>(AttentionMergeQkvGrad))
            ((int)s.HeadTensorLength, s, dq, dk, dv, dqkv);

    public static void LaunchMergeHeads(DeviceContext device, AttentionShape s, ArrayView<float> o, ArrayView<float> y) =>
        device.Kernel(MergeHeadsName, acc => acc.LoadAutoGroupedStreamKernel<Index1D, AttentionShape, ArrayView<float>, ArrayView<float>>(AttentionMergeHeads))
            ((int)s.HeadTensorLength, s, o, y);

    public static void LaunchSplitHeadsGrad(DeviceContext device, AttentionShape s, ArrayView<float> dy, ArrayView<float> dO) =>
        device.Kernel(SplitHeadsGradName, acc => acc.LoadAutoGroupedStreamKernel<
            Index1D, AttentionShape, ArrayView<float>, ArrayView<float>>(AttentionSplitHeadsGrad))
            ((int)s.HeadTensorLength, s, dy, dO);
}
