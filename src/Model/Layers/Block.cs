using CrsIlgpu.Kernels.Elementwise;
using CrsIlgpu.Model.Sampling;

namespace CrsIlgpu.Model.Layers;

/// <summary>
/// Pre-norm transformer block: x + Attn(LN1(x)), then + Mlp(LN2(·)). The block takes ownership of
/// its input (LN1's backward needs it) and hands its output to the next layer.
/// </summary>
public sealed class Block
{
    private readonly DeviceContext _device;
    private readonly string _prefix;
    private readonly LayerNormLayer _norm1, _norm2;
    private readonly MultiHeadAttention _attn;
    private readonly Mlp _mlp;
    private Tensor? _x, _h1, _mid, _h2;

    public Block(DeviceContext device, ParameterStore p, int index, VitConfig config, SamplingState? sampling = null, bool recomputeAttention = false)
    {
        _device = device;
        _prefix = $"blocks.{index}.";
        _norm1 = new LayerNormLayer(device, p[_prefix + "norm1.weight"], p[_prefix + "norm1.bias"], config.LayerNormEps);
        _norm2 = new LayerNormLayer(device, p[_prefix + "norm2.weight"], p[_prefix + "norm2.bias"], config.LayerNormEps);
        // The block index keys the sampling RNG of its sites (SamplingLayerIds).
        _attn = new MultiHeadAttention(device, p, _prefix + "attn.", config, sampling, index, recomputeAttention);
        _mlp = new Mlp(device, p, _prefix + "mlp.", sampling, index);
    }

    /// <summary>x [B·L, D] (now owned by the block) → output [B·L, D] (owned by the caller).</summary>
    public Tensor Forward(Tensor x, int batch)
    {
        _x = x;
        _h1 = _norm1.Forward(x);
        _mid = TensorAlloc.Saved(_device, _prefix + "mid", x.Shape);
        using (var a = _attn.Forward(_h1, batch))
            ElementwiseOp.Add(_device, x, a, _mid);
        if (!_attn.KeepsInput)
            DisposeAndClear(ref _h1); // qkv stored sampled rows; LayerNorm's backward needs x, not h1
        _h2 = _norm2.Forward(_mid);
        var output = TensorAlloc.Saved(_device, _prefix + "out", x.Shape);
        using (var m = _mlp.Forward(_h2))
            ElementwiseOp.Add(_device, _mid, m, output);
        if (!_mlp.KeepsInput)
            DisposeAndClear(ref _h2);
        return output;
    }

    /// <summary>
    /// Inference: x [B·L, D] (consumed) → output [B·L, D] (caller owns), keeping nothing. The residual
    /// sums are accumulated into x itself (x + a and a + x are the same float), so besides x at most
    /// one branch's intermediates are alive; x becomes the block's output.
    /// </summary>
    public Tensor Infer(Tensor x, int batch)
    {
        try
        {
            using (var a = _attn.Infer(_norm1.Infer(x), batch))
                ElementwiseOp.Accumulate(_device, a, x); // x is now mid = x + attn(LN1(x))
            using (var m = _mlp.Infer(_norm2.Infer(x)))
                ElementwiseOp.Accumulate(_device, m, x); // x is now mid + mlp(LN2(mid))
            return x;
        }
        catch
        {
            x.Dispose();
            throw;
        }
    }

    /// <summary>dy [B·L, D] (consumed) → dx [B·L, D]; frees everything forward kept.</summary>
    public Tensor Backward(Tensor dy)
    {
        Tensor dMid;
        using (dy)
        {
            using var dh2 = _mlp.Backward(dy);
            dMid = _norm2.Backward(dh2);
            ElementwiseOp.Accumulate(_device, dy, dMid); // residual path
        }
        _h2?.Dispose();
        _mid!.Dispose();

        Tensor dx;
        using (dMid)
        {
            using var dh1 = _attn.Backward(dMid);
            dx = _norm1.Backward(dh1);
            ElementwiseOp.Accumulate(_device, dMid, dx);
        }
        _h1?.Dispose();
        _x!.Dispose();
        (_x, _h1, _mid, _h2) = (null, null, null, null);
        return dx;
    }

    private static void DisposeAndClear(ref Tensor? tensor)
    {
        tensor?.Dispose();
        tensor = null;
    }

    /// <summary>Frees what a forward kept when no backward follows (evaluation).</summary>
    public void Release()
    {
        _norm1.Release();
        _norm2.Release();
        _attn.Release();
        _mlp.Release();
        foreach (var t in new[] { _x, _h1, _mid, _h2 })
            t?.Dispose();
        (_x, _h1, _mid, _h2) = (null, null, null, null);
    }
}
