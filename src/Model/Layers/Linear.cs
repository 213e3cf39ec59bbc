using CrsIlgpu.Kernels.Bias;
using CrsIlgpu.Kernels.Gemm;
using CrsIlgpu.Kernels.Runtime.Memory;
using CrsIlgpu.Kernels.Sampling;
using CrsIlgpu.Model.Saved;
using CrsIlgpu.Model.Sampling;

namespace CrsIlgpu.Model.Layers;

/// <summary>
/// y = x Wᵀ + b with W [out, in] as PyTorch stores it. dx = dy W and db stay exact; dW = dyᵀ x is
/// exact, or a WTA-CRS estimate when this layer samples:
/// Deferred keeps x and selects rows at backward from ‖x_i‖·‖dy_i‖; Cached selects at forward from
/// ‖x_i‖ and keeps only the k chosen rows, pre-scaled (plus indices and scales), so the producer of
/// x may free it (<see cref="KeepsInput"/> is false). What it keeps goes to the step's
/// <see cref="SavedTensorStore"/> under this layer's name: <c>input</c>, or <c>x_sampled</c> and <c>selection</c>.
/// </summary>
public sealed class Linear(DeviceContext device, Parameter weight, Parameter bias,
    SamplingState? sampling = null, SampledSite site = SampledSite.None, uint layerId = 0)
{
    private const string InputKey = "input", SampledKey = "x_sampled", SelectionKey = "selection";
    private Tensor? _probeInput;
    private bool _cachedRows;

    /// <summary>This layer's place in the step's gradient-norm rows (Cached policy with a cache), else −1.</summary>
    private readonly int _rowSlot = sampling is { ExampleSlots: > 0, Rows: { } stepRows }
        && sampling.Config.Samples(site) && sampling.Config.Policy == SamplingPolicy.Cached
        ? stepRows.Register(weight.Name[..^".weight".Length])
        : -1;

    public int Out { get; } = weight.Shape.Shape[0];

    /// <summary>Inputs per output: a conv weight [D, C, P, P] counts as D × (C·P·P).</summary>
    public int In { get; } = (int)(weight.Shape.Length / weight.Shape.Shape[0]);

    public string Name => weight.Name[..^".weight".Length];

    /// <summary>Whether dW is estimated by WTA-CRS.</summary>
    public bool Samples => sampling is not null && sampling.Config.Samples(site);

    /// <summary>False when the layer stores sampled rows instead of its input: the producer may then free the input right after forward.</summary>
    public bool KeepsInput => !(Samples && sampling!.Config.Policy == SamplingPolicy.Cached);

    /// <summary>
    /// x [rows, in] (any leading shape) → y [rows, out], a new Activations tensor the caller owns.
    /// x stays the caller's unless the store kept it (<see cref="SavedTensorStore.Holds(Tensor)"/>).
    /// With no store (inference) nothing is kept and nothing is sampled: the same floats. With
    /// <paramref name="keepInput"/> false the caller gives x back to <see cref="Backward"/> (it is
    /// kept or recomputed elsewhere), so this layer keeps nothing of it: a Cached layer keeps only
    /// its selection and reads the chosen rows from that x at backward.
    /// </summary>
    public Tensor Forward(Tensor x, SavedTensorStore? saved, bool keepInput = true)
    {
        OpCheck.That(Name, x.Length % In == 0, $"input '{x.Label}' {x.ShapeText} is not a multiple of {In} features");
        var rows = (int)(x.Length / In);
        var y = TensorAlloc.Activation(device, Name + ".out", rows, Out);
        Apply(x, rows, y);
        if (saved is null)
            return y;
        if (KeepsInput)
        {
            if (keepInput)
                saved.Keep(Name, InputKey, SavedRole.WeightGradientInput, x);
        }
        else
        {
            var selection = Select(x, rows, saved);
            if (keepInput)
                KeepSampledRows(x, selection, saved);
            if (keepInput && ActiveProbe is { } probe)
                _probeInput = probe.KeepInput(x, rows, In, Name); // the exact dW needs the full input
        }
        return y;
    }

    /// <summary>y ← x Wᵀ + b: the one computation of <see cref="Forward"/>, with or without a store.</summary>
    private void Apply(Tensor x, int rows, Tensor y)
    {
        GemmOp.Run(device, GemmProblem.Create(GemmLayout.NT, rows, Out, In), x, weight.Value, y);
        BiasOp.Add(device, y, bias.Value);
    }

    /// <summary>
    /// Writes dW and db; returns dx = dy W (a new tensor) when asked, else null. <paramref name="input"/>:
    /// the forward's x when the forward was told not to keep it (the caller's; this layer only reads it).
    /// </summary>
    public Tensor? Backward(Tensor dy, SavedTensorStore saved, Tensor? input = null, bool inputGradient = true)
    {
        OpCheck.That(Name, dy.Length % Out == 0, $"gradient '{dy.Label}' {dy.ShapeText} is not a multiple of {Out} outputs");
        var rows = (int)(dy.Length / Out);
        if (saved.Holds(Name, SelectionKey))
            CachedWeightGradient(dy, rows, saved, input);
        else
        {
            using var kept = input is null ? saved.Take(Name, InputKey) : null;
            var x = input ?? kept!.Value;
            OpCheck.That(Name, x.Length == (long)rows * In, $"gradient '{dy.Label}' {dy.ShapeText} does not match the input {x.ShapeText}");
            if (Samples)
                DeferredWeightGradient(x, dy, rows);
            else
                GemmOp.Run(device, GemmProblem.Create(GemmLayout.TN, Out, In, rows), dy, x, weight.Grad);
        }
        BiasOp.Grad(device, dy, bias.Grad);
        if (!inputGradient)
            return null;
        var dx = TensorAlloc.Activation(device, Name + ".dx", rows, In);
        GemmOp.Run(device, GemmProblem.Create(GemmLayout.NN, rows, In, Out), dy, weight.Value, dx);
        return dx;
    }

    /// <summary>
    /// Cached policy at backward: the forward's selection with its kept scaled rows, or, when the
    /// caller gives the full input back, the same selection read from it by index (the sampled GEMM
    /// applies the scales in its main loop; no rows were kept).
    /// </summary>
    private void CachedWeightGradient(Tensor dy, int rows, SavedTensorStore saved, Tensor? input)
    {
        using (var selection = saved.Take<WtaCrsSelectionBuffers>(Name, SelectionKey))
        {
            if (input is not null)
            {
                OpCheck.That(Name, input.Length == (long)rows * In, $"gradient '{dy.Label}' {dy.ShapeText} does not match the input {input.ShapeText}");
                var x = AsMatrix(input, rows);
                SampledGemmOp.Gather(device, dy, x, selection.Value.Indices, selection.Value.Scales, weight.Grad);
                ActiveProbe?.WeightGradient(layerId, site, dy, x, weight.Grad, selection.Value);
            }
            else
            {
                using var sampledInput = saved.Take(Name, SampledKey);
                OpCheck.That(Name, sampledInput.Value.Shape[1] == In, $"sampled rows {sampledInput.Value.ShapeText} are not [k, {In}]");
                SampledGemmOp.PreSampled(device, dy, sampledInput.Value, selection.Value.Indices, weight.Grad);
                if (_probeInput is not null)
                    ActiveProbe?.WeightGradient(layerId, site, dy, _probeInput, weight.Grad, selection.Value);
            }
        }
        ReleaseProbeInput();
        RememberGradientNorms(dy, rows);
    }

    /// <summary>Forgets the per-step state a forward left when no backward follows (the store frees the tensors).</summary>
    public void Release()
    {
        _cachedRows = false;
        ReleaseProbeInput();
    }

    /// <summary>
    /// Cached policy: p ∝ ‖x_i‖·ĝ_i with ĝ_i the last ‖G‖ seen for that example and token (‖x_i‖
    /// alone where none is cached yet, or when the caller gives no example ids); the k rows are chosen now.
    /// </summary>
    private WtaCrsSelectionBuffers Select(Tensor x, int rows, SavedTensorStore saved)
    {
        var config = sampling!.Config;
        using var norms = TensorAlloc.Workspace(device, Name + ".x_norms", rows);
        RowNormsOp.Run(device, AsMatrix(x, rows), norms);
        _cachedRows = _rowSlot >= 0 && sampling.Rows is { Active: true };
        if (_cachedRows)
            ScaleByCachedGradientNorms(norms, rows);
        var selection = new WtaCrsSelectionBuffers(device.Pool, config.Budget(rows, site), MemoryTag.Activations, Name + ".wtacrs");
        saved.Keep(Name, SelectionKey, selection);
        WtaCrsSelectionOp.Select(device, norms, selection, config.Seed, sampling.Step, layerId, estimator: config.Estimator);
        return selection;
    }

    /// <summary>Keeps the k chosen rows of x, pre-scaled, instead of x.</summary>
    private void KeepSampledRows(Tensor x, WtaCrsSelectionBuffers selection, SavedTensorStore saved)
    {
        var sampledInput = TensorAlloc.Activation(device, Name + ".x_sampled", selection.Budget, In);
        saved.Keep(Name, SampledKey, SavedRole.SampledRows, sampledInput);
        RowGatherOp.Gather(device, x, selection.Indices, selection.Scales, sampledInput);
    }

    /// <summary>Deferred policy: p ∝ ‖x_i‖·‖dy_i‖ with the true gradient, then the sampled GEMM reads rows by index.</summary>
    private void DeferredWeightGradient(Tensor x, Tensor dy, int rows)
    {
        var config = sampling!.Config;
        using var xNorms = TensorAlloc.Workspace(device, Name + ".x_norms", rows);
        using var gNorms = TensorAlloc.Workspace(device, Name + ".g_norms", rows);
        RowNormsOp.Run(device, AsMatrix(x, rows), xNorms);
        RowNormsOp.Run(device, dy, gNorms);
        using var selection = new WtaCrsSelectionBuffers(device.Pool, config.Budget(rows, site), MemoryTag.Workspace, Name + ".wtacrs");
        WtaCrsSelectionOp.SelectFromNorms(device, xNorms, gNorms, selection, config.Seed, sampling.Step, layerId, estimator: config.Estimator);
        SampledGemmOp.Gather(device, dy, AsMatrix(x, rows), selection.Indices, selection.Scales, weight.Grad);
        ActiveProbe?.WeightGradient(layerId, site, dy, AsMatrix(x, rows), weight.Grad, selection);
    }

    /// <summary>x seen as [rows, in] (a view when it has more dimensions), as the row ops and sampled GEMMs take it.</summary>
    private Tensor AsMatrix(Tensor x, int rows) => x.Shape.Length == 2 ? x : x.Reshape(rows, In);

    /// <summary>The gradient probe when this step is probed (docs/wtacrs.md, "The gradient probe").</summary>
    private GradientProbe? ActiveProbe => sampling?.Probe is { Active: true } probe ? probe : null;

    /// <summary>
    /// scores_r = ‖x_r‖ · ĝ_r: this layer's slice of the batch's rows, which reached the device with
    /// every other layer's in one copy at the step's start (the kernel reads it with the identity as example ids).
    /// </summary>
    private void ScaleByCachedGradientNorms(Tensor norms, int rows)
    {
        var stepRows = sampling!.Rows!;
        OpCheck.That(Name, rows == stepRows.Batch * stepRows.Tokens, $"{rows} rows are not {stepRows.Batch} examples × {stepRows.Tokens} tokens");
        GradNormCacheOp.Scores(device, norms, stepRows.CachedRows(_rowSlot), stepRows.Ids, norms, stepRows.Tokens);
    }

    /// <summary>Cached policy: this step's ‖G_i‖ into the step's rows on the device; they go to the host table with every layer's, in one copy.</summary>
    private void RememberGradientNorms(Tensor dy, int rows)
    {
        if (!_cachedRows)
            return;
        _cachedRows = false;
        if (sampling!.Rows is not { Active: true } stepRows)
            return; // the step's rows were released (no backward was expected)
        RowNormsOp.Run(device, dy, stepRows.NewNorms(_rowSlot));
    }

    private void ReleaseProbeInput()
    {
        if (_probeInput is not null)
            sampling!.Probe!.Free(_probeInput);
        _probeInput = null;
    }
}
