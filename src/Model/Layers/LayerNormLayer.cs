using CrsIlgpu.Kernels.LayerNorm;

namespace CrsIlgpu.Model.Layers;

/// <summary>LayerNorm over the last dimension; keeps its input and the row mean/rstd for backward.</summary>
public sealed class LayerNormLayer(DeviceContext device, Parameter gamma, Parameter beta, float eps)
{
    private Tensor? _input;
    private Tensor? _mean;
    private Tensor? _rstd;

    public string Name => gamma.Name[..^".weight".Length];

    public int Dim { get; } = gamma.Shape.Shape[0];

    /// <summary>x [rows, D] → y [rows, D] (kept for backward by the next layer, hence SavedForBackward).</summary>
    public Tensor Forward(Tensor x)
    {
        var rows = (int)(x.Length / Dim);
        var y = TensorAlloc.Saved(device, Name + ".out", x.Shape);
        _mean = TensorAlloc.Saved(device, Name + ".mean", rows);
        _rstd = TensorAlloc.Saved(device, Name + ".rstd", rows);
        LayerNormOp.Forward(device, x, gamma.Value, beta.Value, y, _mean, _rstd, eps);
        _input = x;
        return y;
    }

    /// <summary>
    /// Inference: the same op into y [rows, D] (Activations, caller owns); mean and rstd are transient
    /// workspaces freed before returning, and nothing is kept. x stays the caller's.
    /// </summary>
    public Tensor Infer(Tensor x)
    {
        var rows = (int)(x.Length / Dim);
        var y = TensorAlloc.Activation(device, Name + ".out", x.Shape);
        using var mean = TensorAlloc.Workspace(device, Name + ".mean", rows);
        using var rstd = TensorAlloc.Workspace(device, Name + ".rstd", rows);
        LayerNormOp.Forward(device, x, gamma.Value, beta.Value, y, mean, rstd, eps);
        return y;
    }

    /// <summary>Writes dgamma, dbeta; returns dx. Frees mean and rstd (the input belongs to its producer).</summary>
    public Tensor Backward(Tensor dy)
    {
        var x = _input ?? throw new InvalidOperationException($"{Name}: backward without forward");
        var dx = TensorAlloc.Activation(device, Name + ".dx", x.Shape);
        LayerNormOp.Backward(device, x, _mean!, _rstd!, gamma.Value, dy, dx, gamma.Grad, beta.Grad);
        Release();
        return dx;
    }

    public void Release()
    {
        _mean?.Dispose();
        _rstd?.Dispose();
        (_input, _mean, _rstd) = (null, null, null);
    }
}
