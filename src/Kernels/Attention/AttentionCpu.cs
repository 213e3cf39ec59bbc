namespace CrsIlgpu.Kernels.Attention;

/// <summary>
/// CPU backend of the layout changes: whole rows of Dh floats are copied at once (span copies are
/// vectorized), in parallel over (batch, head) when the tensor is large.
/// </summary>
public static class AttentionCpu
{
    public static void SplitQkv(AttentionShape s, ReadOnlySpan<float> qkv, Span<float> q, Span<float> k, Span<float> v)
    {
        unsafe
        {
            fixed (float* pqkv = qkv)
            fixed (float* pq = q)
            fixed (float* pk = k)
            fixed (float* pv = v)
                CopyQkvRows(s, pqkv, pq, pk, pv, toHeads: true);
        }
    }

    public static void MergeQkvGrad(AttentionShape s, ReadOnlySpan<float> dq, ReadOnlySpan<float> dk, ReadOnlySpan<float> dv, Span<float> dqkv)
    {
        unsafe
        {
            fixed (float* pqkv = dqkv)
            fixed (float* pq = dq)
            fixed (float* pk = dk)
            fixed (float* pv = dv)
                CopyQkvRows(s, pqkv, pq, pk, pv, toHeads: false);
        }
    }

    public static void MergeHeads(AttentionShape s, ReadOnlySpan<float> o, Span<float> y)
    {
        unsafe
        {
            fixed (float* pheads = o)
            fixed (float* prows = y)
                CopyHeadRows(s, prows, pheads, toHeads: false);
        }
    }

    public static void SplitHeadsGrad(AttentionShape s, ReadOnlySpan<float> dy, Span<float> dO)
    {
        unsafe
        {
            fixed (float* prows = dy)
            fixed (float* pheads = dO)
                CopyHeadRows(s, prows, pheads, toHeads: true);
        }
    }

    /// <summary>
    /// Copies each row of Dh floats between qkv [B·L, 3·D] and q, k, v [B·H, L, Dh]: into the heads
    /// when <paramref name="toHeads"/> (split), else back into qkv (merge of the gradients).
    /// </summary>
    private static unsafe void CopyQkvRows(AttentionShape s, float* qkv, float* q, float* k, float* v, bool toHeads)
    {
        var (ps, a, b, c) = ((nint)qkv, (nint)q, (nint)k, (nint)v);
        ForEachRow(s, (bh, l) =>
        {
            var (batch, h) = (bh / s.Heads, bh % s.Heads);
            var head = ((long)bh * s.Tokens + l) * s.HeadDim;
            for (var part = 0; part < 3; part++)
            {
                var packed = (float*)ps + QkvRow(s, batch, l, part, h);
                var split = (float*)(part == 0 ? a : part == 1 ? b : c) + head;
                Copy(toHeads ? packed : split, toHeads ? split : packed, s.HeadDim);
            }
        });
    }

    /// <summary>
    /// Copies each row of Dh floats between rows [B·L, D] (heads side by side) and heads
    /// [B·H, L, Dh]: into the heads when <paramref name="toHeads"/>, else into the rows.
    /// </summary>
    private static unsafe void CopyHeadRows(AttentionShape s, float* rows, float* heads, bool toHeads)
    {
        var (pr, ph) = ((nint)rows, (nint)heads);
        ForEachRow(s, (bh, l) =>
        {
            var (batch, h) = (bh / s.Heads, bh % s.Heads);
            var row = (float*)pr + (((long)batch * s.Tokens + l) * s.Heads + h) * s.HeadDim;
            var head = (float*)ph + ((long)bh * s.Tokens + l) * s.HeadDim;
            Copy(toHeads ? row : head, toHeads ? head : row, s.HeadDim);
        });
    }

    private static unsafe void Copy(float* from, float* to, int count) =>
        new ReadOnlySpan<float>(from, count).CopyTo(new Span<float>(to, count));

    private static long QkvRow(AttentionShape s, int b, int l, int part, int h) => ((((long)b * s.Tokens + l) * 3 + part) * s.Heads + h) * s.HeadDim;

    /// <summary>Calls <paramref name="body"/>(bh, l) for every head row, in parallel over bh when large.</summary>
    private static void ForEachRow(AttentionShape s, Action<int, int> body)
    {
        void Rows(int bh)
        {
            for (var l = 0; l < s.Tokens; l++)
                body(bh, l);
        }

        if (s.HeadTensorLength >= 1 << 16)
            Parallel.For(0, s.BatchHeads, CpuThreads.Options, Rows);
        else
            for (var bh = 0; bh < s.BatchHeads; bh++)
                Rows(bh);
    }
}
