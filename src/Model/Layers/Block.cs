using CrsIlgpu.Kernels.Elementwise;
using CrsIlgpu.Model.Saved;
using CrsIlgpu.Model.Sampling;

namespace CrsIlgpu.Model.Layers;

/// <summary>
/// Pre-norm transformer block: x + Attn(LN1(x)), then + Mlp(LN2(·)). The block consumes its input
/// (LN1 keeps it for backward, or it becomes the output) and hands its output to the next layer.
/// With LayerNorm backward from the output (<see cref="MemorySavers.LayerNormFromOutput"/>) neither
/// LayerNorm keeps its input, so both residual sums accumulate in place as in inference.
/// </summary>
public sealed class Block
{
    private readonly DeviceContext _device;
    private readonly string _prefix;
    private readonly LayerNormLayer _norm1, _norm2;
    private readonly MultiHeadAttention _attn;
    private readonly Mlp _mlp;

    public Block(DeviceContext device, ParameterStore p, int index, VitConfig config, SamplingState? sampling = null, MemorySavers? savers = null)
    {
        _device = device;
        _prefix = $"blocks.{index}.";
        var fromOutput = savers?.LayerNormFromOutput ?? false;
        _norm1 = new LayerNormLayer(device, p[_prefix + "norm1.weight"], p[_prefix + "norm1.bias"], config.LayerNormEps, fromOutput);
        _norm2 = new LayerNormLayer(device, p[_prefix + "norm2.weight"], p[_prefix + "norm2.bias"], config.LayerNormEps, fromOutput);
        // The block index keys the sampling RNG of its sites (SamplingLayerIds).
        _attn = new MultiHeadAttention(device, p, _prefix + "attn.", config, sampling, index, savers?.RecomputeAttention ?? false);
        _mlp = new Mlp(device, p, _prefix + "mlp.", sampling, index, savers?.RecomputeGelu ?? false);
    }

    /// <summary>
    /// x [B·L, D] (consumed) → output [B·L, D] (caller owns). With a store, LN1 and LN2 keep their
    /// inputs (x and mid = x + attention), so each residual sum goes to a new tensor. With none
    /// (inference) the sums accumulate into x itself (x + a and a + x are the same float): besides x
    /// at most one branch's intermediates are alive, and x becomes the block's output.
    /// </summary>
    public Tensor Forward(Tensor x, int batch, SavedTensorStore? saved)
    {
        try
        {
            // A LayerNorm that keeps its output keeps it for the linear it feeds too: that linear keeps nothing of its own.
            var mid = Residual(x, _attn.Forward(_norm1.Forward(x, saved), batch, saved, keepInput: !_norm1.KeepsOutput), _prefix + "mid", saved);
            return Residual(mid, _mlp.Forward(_norm2.Forward(mid, saved), saved, keepInput: !_norm2.KeepsOutput), _prefix + "out", saved);
        }
        catch when (saved is null)
        {
            x.Dispose();
            throw;
        }
    }

    /// <summary>x + branch (the branch's output is freed): in place unless the store keeps x for backward.</summary>
    private Tensor Residual(Tensor x, Tensor branch, string label, SavedTensorStore? saved)
    {
        using (branch)
        {
            if (saved is null || !saved.Holds(x))
            {
                ElementwiseOp.Accumulate(_device, branch, x);
                return x;
            }
            var sum = TensorAlloc.Activation(_device, label, x.Shape);
            ElementwiseOp.Add(_device, x, branch, sum);
            return sum;
        }
    }

    /// <summary>dy [B·L, D] (consumed) → dx [B·L, D]; what forward kept is freed by the layers' backwards.</summary>
    public Tensor Backward(Tensor dy, SavedTensorStore saved)
    {
        Tensor dMid;
        using (dy)
        {
            using var h2 = _norm2.KeepsOutput ? _norm2.TakeOutput(saved) : null;
            using var dh2 = _mlp.Backward(dy, saved, h2?.Value);
            dMid = _norm2.Backward(dh2, saved);
            ElementwiseOp.Accumulate(_device, dy, dMid); // residual path
        }
        using (dMid)
        {
            using var h1 = _norm1.KeepsOutput ? _norm1.TakeOutput(saved) : null;
            using var dh1 = _attn.Backward(dMid, saved, h1?.Value);
            var dx = _norm1.Backward(dh1, saved);
            ElementwiseOp.Accumulate(_device, dMid, dx);
            return dx;
        }
    }

    /// <summary>Forgets the per-step state a forward left when no backward follows (evaluation).</summary>
    public void Release()
    {
        _attn.Release();
        _mlp.Release();
    }
}
