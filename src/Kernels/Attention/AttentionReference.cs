namespace CrsIlgpu.Kernels.Attention;

/// <summary>Plain C# of the attention layout changes, written with explicit nested loops over (b, l, part, h, d).</summary>
public static class AttentionReference
{
    public static void SplitQkv(AttentionShape s, ReadOnlySpan<float> qkv, Span<float> q, Span<float> k, Span<float> v)
    {
        for (var b = 0; b < s.Batch; b++)
        for (var l = 0; l < s.Tokens; l++)
        for (var h = 0; h < s.Heads; h++)
        for (var d = 0; d < s.HeadDim; d++)
        {
            var head = HeadMajor(s, b, l, h, d);
            q[head] = qkv[Qkv(s, b, l, 0, h, d)];
            k[head] = qkv[Qkv(s, b, l, 1, h, d)];
            v[head] = qkv[Qkv(s, b, l, 2, h, d)];
        }
    }

    public static void MergeQkvGrad(AttentionShape s, ReadOnlySpan<float> dq, ReadOnlySpan<float> dk, ReadOnlySpan<float> dv, Span<float> dqkv)
    {
        for (var b = 0; b < s.Batch; b++)
        for (var l = 0; l < s.Tokens; l++)
        for (var h = 0; h < s.Heads; h++)
        for (var d = 0; d < s.HeadDim; d++)
        {
            var head = HeadMajor(s, b, l, h, d);
            dqkv[Qkv(s, b, l, 0, h, d)] = dq[head];
            dqkv[Qkv(s, b, l, 1, h, d)] = dk[head];
            dqkv[Qkv(s, b, l, 2, h, d)] = dv[head];
        }
    }

    public static void MergeHeads(AttentionShape s, ReadOnlySpan<float> o, Span<float> y)
    {
        for (var b = 0; b < s.Batch; b++)
        for (var l = 0; l < s.Tokens; l++)
        for (var h = 0; h < s.Heads; h++)
        for (var d = 0; d < s.HeadDim; d++)
            y[((b * s.Tokens + l) * s.Heads + h) * s.HeadDim + d] = o[HeadMajor(s, b, l, h, d)];
    }

    public static void SplitHeadsGrad(AttentionShape s, ReadOnlySpan<float> dy, Span<float> dO)
    {
        for (var b = 0; b < s.Batch; b++)
        for (var l = 0; l < s.Tokens; l++)
        for (var h = 0; h < s.Heads; h++)
        for (var d = 0; d < s.HeadDim; d++)
            dO[HeadMajor(s, b, l, h, d)] = dy[((b * s.Tokens + l) * s.Heads + h) * s.HeadDim + d];
    }

    private static int HeadMajor(AttentionShape s, int b, int l, int h, int d) => ((b * s.Heads + h) * s.Tokens + l) * s.HeadDim + d;

    private static int Qkv(AttentionShape s, int b, int l, int part, int h, int d) => (((b * s.Tokens + l) * 3 + part) * s.Heads + h) * s.HeadDim + d;
}
