using CrsIlgpu.Kernels.Embed;

namespace CrsIlgpu.Model.Layers;

/// <summary>
/// Final LayerNorm and linear head on the class token. LayerNorm works row by row, so normalising
/// only the class-token rows gives timm's result (norm over all tokens, then token 0) for less work.
/// </summary>
public sealed class ClassifierHead(DeviceContext device, ParameterStore p, VitConfig config)
{
    private readonly LayerNormLayer _norm = new(device, p["norm.weight"], p["norm.bias"], config.LayerNormEps);
    private readonly Linear _head = new(device, p["head.weight"], p["head.bias"]);
    private Tensor? _cls, _normed;
    private int _batch;

    /// <summary>x [B·L, D] (consumed) → logits [B, classes] (caller owns).</summary>
    public Tensor Forward(Tensor x, int batch)
    {
        _batch = batch;
        _cls = TensorAlloc.Saved(device, "head.cls", batch, config.Dim);
        using (x)
            EmbedOp.ClsGather(device, x.Reshape(batch, config.Tokens, config.Dim), _cls);
        _normed = _norm.Forward(_cls);
        return _head.Forward(_normed);
    }

    /// <summary>Inference: x [B·L, D] (consumed) → logits [B, classes] (caller owns); nothing kept.</summary>
    public Tensor Infer(Tensor x, int batch)
    {
        var cls = TensorAlloc.Activation(device, "head.cls", batch, config.Dim);
        using (x)
        using (cls)
        {
            EmbedOp.ClsGather(device, x.Reshape(batch, config.Tokens, config.Dim), cls);
            x.Dispose();
            using var normed = _norm.Infer(cls);
            cls.Dispose();
            return _head.Infer(normed);
        }
    }

    /// <summary>dlogits [B, classes] → dx [B·L, D] (zero except the class-token rows).</summary>
    public Tensor Backward(Tensor dLogits)
    {
        using var dNormed = _head.Backward(dLogits)!;
        using var dCls = _norm.Backward(dNormed);
        Release();
        var dx = TensorAlloc.Activation(device, "head.dx", _batch * config.Tokens, config.Dim);
        EmbedOp.ClsScatter(device, dCls, dx.Reshape(_batch, config.Tokens, config.Dim));
        return dx;
    }

    public void Release()
    {
        _norm.Release();
        _cls?.Dispose();
        _normed?.Dispose();
        (_cls, _normed) = (null, null);
    }
}
