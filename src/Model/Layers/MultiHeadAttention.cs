using CrsIlgpu.Kernels.Attention;
using CrsIlgpu.Model.Saved;
using CrsIlgpu.Model.Sampling;

namespace CrsIlgpu.Model.Layers;

/// <summary>
/// timm's Attention: qkv linear, per-head scaled dot-product attention, output projection.
/// Kept in the step's store for backward: q, k, v and the attention matrix; proj keeps the merged
/// head output (its input), qkv keeps h.
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
    private const string QKey = "q", KKey = "k", VKey = "v", AttnKey = "attn";
    private readonly string _name = prefix.TrimEnd('.');

    /// <summary>
    /// h [B·L, D] (consumed: freed once qkv has read it, unless qkv kept it) → out [B·L, D] (caller
    /// owns). With no store (inference) nothing is kept and nothing sampled, and every intermediate
    /// (qkv, q/k/v, the attention matrix, the heads' output, proj's input) is freed once read.
    /// </summary>
    public Tensor Forward(Tensor h, int batch, SavedTensorStore? saved, bool keepInput = true)
    {
        var s = new AttentionShape(batch, config.Tokens, config.Heads, config.HeadDim);
        Tensor qkv;
        using (saved.Consume(h))
            qkv = _qkv.Forward(h, saved, keepInput);
        var q = Head(QKey, s, saved);
        var k = Head(KKey, s, saved);
        var v = Head(VKey, s, saved);
        using (qkv)
            AttentionLayoutOp.SplitQkv(device, s, qkv, q, k, v);
        var o = TensorAlloc.Activation(device, prefix + "o", s.BatchHeads, s.Tokens, s.HeadDim);
        using (saved.Consume(q))
        using (saved.Consume(k))
        using (saved.Consume(v))
        {
            // With recompute, backward makes its own A from q and k: the forward's is a transient.
            var attn = TensorAlloc.Activation(device, prefix + "attn", s.BatchHeads, s.Tokens, s.Tokens);
            if (saved is not null && !recomputeAttention)
                saved.Keep(_name, AttnKey, SavedRole.InputGradient, attn);
            using (saved.Consume(attn))
                AttentionOp.Forward(device, s, q, k, v, attn, o);
        }
        var merged = TensorAlloc.Activation(device, prefix + "merged", batch * s.Tokens, s.Dim);
        using (o)
            AttentionLayoutOp.MergeHeads(device, s, o, merged);
        using (saved.Consume(merged))
            return _proj.Forward(merged, saved);
    }

    /// <summary>A new [B·H, L, d] tensor, kept at once when there is a store (its bytes count as saved from the start).</summary>
    private Tensor Head(string key, AttentionShape s, SavedTensorStore? saved)
    {
        var t = TensorAlloc.Activation(device, prefix + key, s.BatchHeads, s.Tokens, s.HeadDim);
        saved?.Keep(_name, key, SavedRole.InputGradient, t);
        return t;
    }

    /// <summary>False when the qkv projection keeps only sampled rows: the block may free its input after forward.</summary>
    public bool KeepsInput => _qkv.KeepsInput;

    /// <summary>
    /// dout [B·L, D] → dh [B·L, D]; writes the qkv and proj gradients and frees what forward kept.
    /// <paramref name="input"/>: h, when the forward was told not to keep it (qkv's weight gradient reads it).
    /// </summary>
    public Tensor Backward(Tensor dout, SavedTensorStore saved, Tensor? input = null)
    {
        var s = new AttentionShape((int)(dout.Length / ((long)config.Tokens * config.Dim)), config.Tokens, config.Heads, config.HeadDim);
        using var dq = TensorAlloc.Activation(device, prefix + "dq", s.BatchHeads, s.Tokens, s.HeadDim);
        using var dk = TensorAlloc.Activation(device, prefix + "dk", s.BatchHeads, s.Tokens, s.HeadDim);
        using var dv = TensorAlloc.Activation(device, prefix + "dv", s.BatchHeads, s.Tokens, s.HeadDim);
        using (var dMerged = _proj.Backward(dout, saved)!)
        using (var dO = TensorAlloc.Activation(device, prefix + "do", s.BatchHeads, s.Tokens, s.HeadDim))
        using (var dScores = TensorAlloc.Workspace(device, prefix + "dscores", s.BatchHeads, s.Tokens, s.Tokens))
        using (var recomputed = recomputeAttention ? TensorAlloc.Workspace(device, prefix + "attn_recomputed", s.BatchHeads, s.Tokens, s.Tokens) : null)
        using (var q = saved.Take(_name, QKey))
        using (var k = saved.Take(_name, KKey))
        using (var v = saved.Take(_name, VKey))
        using (var kept = recomputeAttention ? null : saved.Take(_name, AttnKey))
        {
            AttentionLayoutOp.SplitHeadsGrad(device, s, dMerged, dO);
            if (recomputed is not null)
                AttentionOp.Recompute(device, s, q.Value, k.Value, recomputed);
            var attn = recomputed ?? kept!.Value;
            var sampled = Sampling(s);
            AttentionOp.Backward(device, s, q.Value, k.Value, v.Value, attn, dO, dq, dk, dv, dScores, sampled);
            if (sampled is not null && sampling!.Probe is { Active: true } probe)
                probe.Attention(block, s, sampled, attn, dO, dScores, q.Value, dv, dk);
        }
        using var dqkv = TensorAlloc.Activation(device, prefix + "dqkv", s.Batch * s.Tokens, 3 * s.Dim);
        AttentionLayoutOp.MergeQkvGrad(device, s, dq, dk, dv, dqkv);
        return _qkv.Backward(dqkv, saved, input)!;
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

    /// <summary>Forgets the per-step state a forward left when no backward follows (evaluation).</summary>
    public void Release()
    {
        _qkv.Release();
        _proj.Release();
    }
}
