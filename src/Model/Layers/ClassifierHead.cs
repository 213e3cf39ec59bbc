using CrsIlgpu.Kernels.Embed;
using CrsIlgpu.Model.Saved;

namespace CrsIlgpu.Model.Layers;

/// <summary>
/// Final LayerNorm and linear head on the class token. LayerNorm works row by row, so normalising
/// only the class-token rows gives timm's result (norm over all tokens, then token 0) for less work.
/// </summary>
public sealed class ClassifierHead(DeviceContext device, ParameterStore p, VitConfig config, bool normFromOutput = false)
{
    private readonly LayerNormLayer _norm = new(device, p["norm.weight"], p["norm.bias"], config.LayerNormEps, normFromOutput);
    private readonly Linear _head = new(device, p["head.weight"], p["head.bias"]);

    /// <summary>x [B·L, D] (consumed) → logits [B, classes] (caller owns). The norm keeps the class rows, the head its input.</summary>
    public Tensor Forward(Tensor x, int batch, SavedTensorStore? saved)
    {
        var cls = TensorAlloc.Activation(device, "head.cls", batch, config.Dim);
        Tensor normed;
        using (saved.Consume(cls))
        {
            using (x)
                EmbedOp.ClsGather(device, x.Reshape(batch, config.Tokens, config.Dim), cls);
            normed = _norm.Forward(cls, saved);
        }
        using (saved.Consume(normed))
            return _head.Forward(normed, saved, keepInput: !_norm.KeepsOutput);
    }

    /// <summary>dlogits [B, classes] → dx [B·L, D] (zero except the class-token rows).</summary>
    public Tensor Backward(Tensor dLogits, SavedTensorStore saved)
    {
        var batch = dLogits.Shape[0];
        Tensor dNormed;
        using (var normed = _norm.KeepsOutput ? _norm.TakeOutput(saved) : null)
            dNormed = _head.Backward(dLogits, saved, normed?.Value)!;
        using (dNormed)
        {
            using var dCls = _norm.Backward(dNormed, saved);
            var dx = TensorAlloc.Activation(device, "head.dx", batch * config.Tokens, config.Dim);
            EmbedOp.ClsScatter(device, dCls, dx.Reshape(batch, config.Tokens, config.Dim));
            return dx;
        }
    }
}
