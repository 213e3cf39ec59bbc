using CrsIlgpu.Kernels.LayerNorm;
using CrsIlgpu.Model.Saved;

namespace CrsIlgpu.Model.Layers;

/// <summary>
/// LayerNorm over the last dimension. Keeps its input (<c>input</c>, the residual stream's tensor)
/// and the row mean/rstd (<c>mean</c>, <c>rstd</c>) in the step's store for backward.
/// </summary>
public sealed class LayerNormLayer(DeviceContext device, Parameter gamma, Parameter beta, float eps)
{
    private const string InputKey = "input", MeanKey = "mean", RstdKey = "rstd";

    public string Name => gamma.Name[..^".weight".Length];

    public int Dim { get; } = gamma.Shape.Shape[0];

    /// <summary>
    /// x [rows, D] → y [rows, D] (Activations, caller owns). With a store, x (which stays the caller's
    /// to read, the store's to free) and the statistics are kept; with none (inference) mean and rstd
    /// are workspaces freed before returning.
    /// </summary>
    public Tensor Forward(Tensor x, SavedTensorStore? saved)
    {
        var rows = (int)(x.Length / Dim);
        var y = TensorAlloc.Activation(device, Name + ".out", x.Shape);
        var mean = TensorAlloc.Workspace(device, Name + ".mean", rows);
        var rstd = TensorAlloc.Workspace(device, Name + ".rstd", rows);
        if (saved is null)
        {
            using (mean)
            using (rstd)
                LayerNormOp.Forward(device, x, gamma.Value, beta.Value, y, mean, rstd, eps);
            return y;
        }
        saved.Keep(Name, MeanKey, SavedRole.Statistics, mean);
        saved.Keep(Name, RstdKey, SavedRole.Statistics, rstd);
        LayerNormOp.Forward(device, x, gamma.Value, beta.Value, y, mean, rstd, eps);
        saved.Keep(Name, InputKey, SavedRole.InputGradient, x);
        return y;
    }

    /// <summary>Writes dgamma, dbeta; returns dx. Frees what forward kept.</summary>
    public Tensor Backward(Tensor dy, SavedTensorStore saved)
    {
        using var x = saved.Take(Name, InputKey);
        using var mean = saved.Take(Name, MeanKey);
        using var rstd = saved.Take(Name, RstdKey);
        var dx = TensorAlloc.Activation(device, Name + ".dx", x.Value.Shape);
        LayerNormOp.Backward(device, x.Value, mean.Value, rstd.Value, gamma.Value, dy, dx, gamma.Grad, beta.Grad);
        return dx;
    }
}
