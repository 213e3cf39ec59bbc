using CrsIlgpu.Kernels.LayerNorm;
using CrsIlgpu.Model.Saved;

namespace CrsIlgpu.Model.Layers;

/// <summary>
/// LayerNorm over the last dimension. Keeps the row mean/rstd (<c>mean</c>, <c>rstd</c>) and its
/// input (<c>input</c>, the residual stream's tensor) in the step's store for backward; with
/// <paramref name="fromOutput"/> it keeps its output instead (<c>output</c>, for two readers: its own
/// backward, which recovers x̂ = (y − β)/γ, and the linear it feeds, whose weight gradient reads it
/// through <see cref="TakeOutput"/>), so nothing of the residual stream is kept for it.
/// </summary>
public sealed class LayerNormLayer(DeviceContext device, Parameter gamma, Parameter beta, float eps, bool fromOutput = false)
{
    private const string InputKey = "input", OutputKey = "output", MeanKey = "mean", RstdKey = "rstd";

    public string Name => gamma.Name[..^".weight".Length];

    public int Dim { get; } = gamma.Shape.Shape[0];

    /// <summary>Whether the output is kept (backward from the output): the consumer must then not keep it, and reads it with <see cref="TakeOutput"/>.</summary>
    public bool KeepsOutput => fromOutput;

    /// <summary>
    /// x [rows, D] → y [rows, D] (Activations, caller owns unless kept). With a store, x (which stays
    /// the caller's to read, the store's to free) or y, and the statistics are kept; with none
    /// (inference) mean and rstd are workspaces freed before returning.
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
        if (fromOutput)
            saved.Keep(Name, OutputKey, SavedRole.InputGradient, y, readers: 2);
        LayerNormOp.Forward(device, x, gamma.Value, beta.Value, y, mean, rstd, eps);
        if (!fromOutput)
            saved.Keep(Name, InputKey, SavedRole.InputGradient, x);
        return y;
    }

    /// <summary>The kept output, for the consumer's weight gradient (its one read of the two).</summary>
    public SavedLease<Tensor> TakeOutput(SavedTensorStore saved) => saved.Take(Name, OutputKey);

    /// <summary>Writes dgamma, dbeta; returns dx. Frees what forward kept.</summary>
    public Tensor Backward(Tensor dy, SavedTensorStore saved)
    {
        using var mean = saved.Take(Name, MeanKey);
        using var rstd = saved.Take(Name, RstdKey);
        using var kept = saved.Take(Name, fromOutput ? OutputKey : InputKey);
        using var recovered = fromOutput ? TensorAlloc.Workspace(device, Name + ".x_recovered", kept.Value.Shape) : null;
        if (recovered is not null)
            LayerNormOp.RecoverInput(device, kept.Value, gamma.Value, beta.Value, mean.Value, rstd.Value, recovered);
        var x = recovered ?? kept.Value;
        var dx = TensorAlloc.Activation(device, Name + ".dx", x.Shape);
        LayerNormOp.Backward(device, x, mean.Value, rstd.Value, gamma.Value, dy, dx, gamma.Grad, beta.Grad);
        return dx;
    }
}
