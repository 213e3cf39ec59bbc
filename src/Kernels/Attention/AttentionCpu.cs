using CrsIlgpu.Kernels.Runtime;
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
            fixed (float* src = qkv)
            fixed (float* pq = q)
            fixed (float* pk = k)
            fixed (float* pv = v)
            {
                var (ps, a, b, c) = ((nint)src, (nint)pq, (nint)pk, (nint)pv);
                ForEachRow(s, (bh, l) =>
                {
                    var (batch, h) = (bh / s.Heads, bh % s.Heads);
                    var head = ((long)bh * s.Tokens + l) * s.HeadDim;
                    for (var part = 0; part < 3; part++)
                    {
                        var from = new ReadOnlySpan<float>((float*)ps + QkvRow(s, batch, l, part, h), s.HeadDim);
                        var to = part == 0 ? a : part == 1 ? b : c;
                        from.CopyTo(new Span<float>((float*)to + head, s.HeadDim));
                    }
                });
            }
        }
    }

    public static void MergeQkvGrad(AttentionShape s, ReadOnlySpan<float> dq, ReadOnlySpan<float> dk, ReadOnlySpan<float> dv, Span<float> dqkv)
    {
        unsafe
        {
            fixed (float* dst = dqkv)
            fixed (float* pq = dq)
            fixed (float* pk = dk)
            fixed (float* pv = dv)
            {
                var (pd, a, b, c) = ((nint)dst, (nint)pq, (nint)pk, (nint)pv);
                ForEachRow(s, (bh, l) =>
                {
                    var (batch, h) = (bh / s.Heads, bh % s.Heads);
                    var head = ((long)bh * s.Tokens + l) * s.HeadDim;
                    for (var part = 0; part < 3; part++)
                    {
                        var from = part == 0 ? a : part == 1 ? b : c;
                        new ReadOnlySpan<float>((float*)from + head, s.HeadDim)
                            .CopyTo(new Span<float>((float*)pd + QkvRow(s, batch, l, part, h), s.HeadDim));
                    }
                });
            }
        }
    }

    public static void MergeHeads(AttentionShape s, ReadOnlySpan<float> o, Span<float> y)
    {
        unsafe
        {
            fixed (float* po = o)
            fixed (float* py = y)
            {
                var (src, dst) = ((nint)po, (nint)py);
                ForEachRow(s, (bh, l) =>
                {
                    var (batch, h) = (bh / s.Heads, bh % s.Heads);
                    new ReadOnlySpan<float>((float*)src + ((long)bh * s.Tokens + l) * s.HeadDim, s.HeadDim)
                        .CopyTo(new Span<float>((float*)dst + (((long)batch * s.Tokens + l) * s.Heads + h) * s.HeadDim, s.HeadDim));
                });
            }
        }
    }

    public static void SplitHeadsGrad(AttentionShape s, ReadOnlySpan<float> dy, Span<float> dO)
    {
        unsafe
        {
            fixed (float* py = dy)
            fixed (float* po = dO)
            {
                var (src, dst) = ((nint)py, (nint)po);
                ForEachRow(s, (bh, l) =>
                {
                    var (batch, h) = (bh / s.Heads, bh % s.Heads);
                    new ReadOnlySpan<float>((float*)src + (((long)batch * s.Tokens + l) * s.Heads + h) * s.HeadDim, s.HeadDim)
                        .CopyTo(new Span<float>((float*)dst + ((long)bh * s.Tokens + l) * s.HeadDim, s.HeadDim));
                });
            }
        }
    }

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
