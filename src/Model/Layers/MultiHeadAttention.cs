using CrsIlgpu.Kernels.Attention;
using CrsIlgpu.Model.Sampling;

namespace CrsIlgpu.Model.Layers;

/// <summary>
/// timm's Attention: qkv linear, per-head scaled dot-product attention, output projection.
/// Saved for backward: q, k, v, the attention matrix and the merged head output (proj's input).
/// With <paramref name="recomputeAttention"/> the attention matrix is not kept: backward recomputes
/// softmax(scale·q kᵀ) into its own workspace, so at most one block's A is alive at a time.
/// Sites qk and av (docs/wtacrs.md) estimate dK = scale·dSᵀ Q and dV = Aᵀ dO over query rows per
/// (batch, head); they always select at backward, where the true scores are known and A, Q are
/// full anyway, so the Cached policy behaves like Deferred there. RNG layer ids: <see cref="SamplingLayerIds"/>.
/// </summary>
public sealed class MultiHeadAttention(DeviceContext device, ParameterStore p, string prefix, VitConfig config,
    SamplingState? sampling = null, int block = 0, bool recomputeAttention = false)
{
    private readonly Linear _qkv = new(device, p[prefix + "qkv.weight"], p[prefix + "qkv.bias"],
        sampling, SampledSite.Qkv, SamplingLayerIds.For(block, SampledSite.Qkv));
    private readonly Linear _proj = new(device, p[prefix + "proj.weight"], p[prefix + "proj.bias"],
        sampling, SampledSite.Proj, SamplingLayerIds.For(block, SampledSite.Proj));
    private AttentionShape _shape;
    private Tensor? _q, _k, _v, _attn, _merged;

    /// <summary>h [B·L, D] → out [B·L, D] (caller owns).</summary>
    public Tensor Forward(Tensor h, int batch)
    {
        var s = _shape = new AttentionShape(batch, config.Tokens, config.Heads, config.HeadDim);
        using (var qkv = _qkv.Forward(h))
        {
            _q = TensorAlloc.Saved(device, prefix + "q", s.BatchHeads, s.Tokens, s.HeadDim);
            _k = TensorAlloc.Saved(device, prefix + "k", s.BatchHeads, s.Tokens, s.HeadDim);
            _v = TensorAlloc.Saved(device, prefix + "v", s.BatchHeads, s.Tokens, s.HeadDim);
            AttentionLayoutOp.SplitQkv(device, s, qkv, _q, _k, _v);
        }
        _attn = recomputeAttention
            ? TensorAlloc.Activation(device, prefix + "attn", s.BatchHeads, s.Tokens, s.Tokens)
            : TensorAlloc.Saved(device, prefix + "attn", s.BatchHeads, s.Tokens, s.Tokens);
        _merged = TensorAlloc.Saved(device, prefix + "merged", batch * s.Tokens, s.Dim);
        using (var o = TensorAlloc.Activation(device, prefix + "o", s.BatchHeads, s.Tokens, s.HeadDim))
        {
            AttentionOp.Forward(device, s, _q, _k, _v, _attn, o);
            AttentionLayoutOp.MergeHeads(device, s, o, _merged);
        }
        if (recomputeAttention)
        {
            _attn.Dispose(); // backward recomputes it from q and k
            _attn = null;
        }
        var output = _proj.Forward(_merged);
        if (!_proj.KeepsInput)
        {
            _merged.Dispose(); // proj stored its sampled rows instead
            _merged = null;
        }
        return output;
    }

    /// <summary>
    /// Inference: h [B·L, D] (consumed: freed once qkv has read it) → out [B·L, D] (caller owns), the
    /// forward's ops in the forward's order, nothing kept, nothing sampled; every intermediate
    /// (qkv, q/k/v, the attention matrix, the heads' output, proj's input) is freed once read.
    /// </summary>
    public Tensor Infer(Tensor h, int batch)
    {
        var s = new AttentionShape(batch, config.Tokens, config.Heads, config.HeadDim);
        Tensor qkv, q, k, v;
        using (h)
            qkv = _qkv.Infer(h);
        using (qkv)
        {
            q = TensorAlloc.Activation(device, prefix + "q", s.BatchHeads, s.Tokens, s.HeadDim);
            k = TensorAlloc.Activation(device, prefix + "k", s.BatchHeads, s.Tokens, s.HeadDim);
            v = TensorAlloc.Activation(device, prefix + "v", s.BatchHeads, s.Tokens, s.HeadDim);
            AttentionLayoutOp.SplitQkv(device, s, qkv, q, k, v);
        }
        var o = TensorAlloc.Activation(device, prefix + "o", s.BatchHeads, s.Tokens, s.HeadDim);
        using (q)
        using (k)
        using (v)
        using (var attn = TensorAlloc.Activation(device, prefix + "attn", s.BatchHeads, s.Tokens, s.Tokens))
            AttentionOp.Forward(device, s, q, k, v, attn, o);
        using var merged = TensorAlloc.Activation(device, prefix + "merged", batch * s.Tokens, s.Dim);
        using (o)
            AttentionLayoutOp.MergeHeads(device, s, o, merged);
        return _proj.Infer(merged);
    }

    /// <summary>False when the qkv projection keeps only sampled rows: the block may free its input after forward.</summary>
    public bool KeepsInput => _qkv.KeepsInput;

    /// <summary>dout [B·L, D] → dh [B·L, D]; writes the qkv and proj gradients and frees what forward saved.</summary>
    public Tensor Backward(Tensor dout)
    {
        var s = _shape;
        using var dq = TensorAlloc.Activation(device, prefix + "dq", s.BatchHeads, s.Tokens, s.HeadDim);
        using var dk = TensorAlloc.Activation(device, prefix + "dk", s.BatchHeads, s.Tokens, s.HeadDim);
        using var dv = TensorAlloc.Activation(device, prefix + "dv", s.BatchHeads, s.Tokens, s.HeadDim);
        using (var dMerged = _proj.Backward(dout)!)
        using (var dO = TensorAlloc.Activation(device, prefix + "do", s.BatchHeads, s.Tokens, s.HeadDim))
        using (var dScores = TensorAlloc.Workspace(device, prefix + "dscores", s.BatchHeads, s.Tokens, s.Tokens))
        using (var recomputed = recomputeAttention ? TensorAlloc.Workspace(device, prefix + "attn_recomputed", s.BatchHeads, s.Tokens, s.Tokens) : null)
        {
            AttentionLayoutOp.SplitHeadsGrad(device, s, dMerged, dO);
            if (recomputed is not null)
                AttentionOp.Recompute(device, s, _q!, _k!, recomputed);
            var attn = recomputed ?? _attn ?? throw new InvalidOperationException($"{prefix}: backward without forward");
            var sampled = Sampling(s);
            AttentionOp.Backward(device, s, _q!, _k!, _v!, attn, dO, dq, dk, dv, dScores, sampled);
            if (sampled is not null && sampling!.Probe is { Active: true } probe)
                probe.Attention(block, s, sampled, attn, dO, dScores, _q!, dv, dk);
        }
        ReleaseSaved();
        using var dqkv = TensorAlloc.Activation(device, prefix + "dqkv", s.Batch * s.Tokens, 3 * s.Dim);
        AttentionLayoutOp.MergeQkvGrad(device, s, dq, dk, dv, dqkv);
        return _qkv.Backward(dqkv)!;
    }

    /// <summary>This step's sampling of dV and dK (sites av, qk), or null when neither samples.</summary>
    private AttentionSampling? Sampling(AttentionShape s)
    {
        if (sampling is null)
            return null;
        var config = sampling.Config;
        bool av = config.Samples(SampledSite.Av), qk = config.Samples(SampledSite.Qk);
        if (!av && !qk)
            return null;
        return new AttentionSampling(config.Budget(s.Tokens, qk ? SampledSite.Qk : SampledSite.Av), config.Seed, sampling.Step,
            av ? SamplingLayerIds.For(block, SampledSite.Av) : null, qk ? SamplingLayerIds.For(block, SampledSite.Qk) : null, config.Estimator);
    }

    /// <summary>Frees what a forward kept when no backward follows (evaluation).</summary>
    public void Release()
    {
        _qkv.Release();
        _proj.Release();
        ReleaseSaved();
    }

    private void ReleaseSaved()
    {
        foreach (var t in new[] { _q, _k, _v, _attn, _merged })
            t?.Dispose();
        (_q, _k, _v, _attn, _merged) = (null, null, null, null, null);
    }
}
