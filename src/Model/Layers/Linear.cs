using CrsIlgpu.Kernels.Bias;
using CrsIlgpu.Kernels.Gemm;
using CrsIlgpu.Kernels.Runtime;
using CrsIlgpu.Kernels.Runtime.Memory;
using CrsIlgpu.Kernels.Sampling;
using CrsIlgpu.Model.Sampling;

namespace CrsIlgpu.Model.Layers;

/// <summary>
/// y = x Wᵀ + b with W [out, in] as PyTorch stores it. dx = dy W and db stay exact; dW = dyᵀ x is
/// exact, or a WTA-CRS estimate when this layer samples:
/// Deferred keeps x and selects rows at backward from ‖x_i‖·‖dy_i‖; Cached selects at forward from
/// ‖x_i‖ and keeps only the k chosen rows, pre-scaled (plus indices and scales), so the producer of
/// x may free it (<see cref="KeepsInput"/> is false).
/// </summary>
public sealed class Linear(DeviceContext device, Parameter weight, Parameter bias, SamplingState? sampling = null, SampledSite site = SampledSite.None, uint layerId = 0)
{
    private Tensor? _input;
    private Tensor? _sampledInput;
    private WtaCrsSelectionBuffers? _selection;
    private int[]? _examples;
    private int _rows;

    public int Out { get; } = weight.Shape.Shape[0];

    /// <summary>Inputs per output: a conv weight [D, C, P, P] counts as D × (C·P·P).</summary>
    public int In { get; } = (int)(weight.Shape.Length / weight.Shape.Shape[0]);

    public string Name => weight.Name[..^".weight".Length];

    /// <summary>Whether dW is estimated by WTA-CRS.</summary>
    public bool Samples => sampling is not null && sampling.Config.Samples(site);

    /// <summary>False when the layer stores sampled rows instead of its input: the producer may then free the input right after forward.</summary>
    public bool KeepsInput => !(Samples && sampling!.Config.Policy == SamplingPolicy.Cached);

    /// <summary>x [rows, in] (any leading shape) → y [rows, out], a new tensor the caller owns.</summary>
    public Tensor Forward(Tensor x, bool outputSaved = false)
    {
        OpCheck.That(Name, x.Length % In == 0, $"input '{x.Label}' {x.ShapeText} is not a multiple of {In} features");
        var rows = _rows = (int)(x.Length / In);
        var y = outputSaved ? TensorAlloc.Saved(device, Name + ".out", rows, Out) : TensorAlloc.Activation(device, Name + ".out", rows, Out);
        GemmOp.Run(device, GemmProblem.Create(GemmLayout.NT, rows, Out, In), x, weight.Value, y);
        BiasOp.Add(device, y, bias.Value);
        if (KeepsInput)
            _input = x;
        else
            SampleInput(x, rows);
        return y;
    }

    /// <summary>Writes dW and db; returns dx = dy W (a new tensor) when asked, else null.</summary>
    public Tensor? Backward(Tensor dy, bool inputGradient = true)
    {
        var rows = _rows;
        OpCheck.That(Name, dy.Length == (long)rows * Out, $"gradient '{dy.Label}' {dy.ShapeText} does not match [{rows}, {Out}]");
        if (_sampledInput is not null)
        {
            SampledGemmOp.PreSampled(device, dy, _sampledInput, _selection!.Indices, weight.Grad);
            ReleaseSamples();
            RememberGradientNorms(dy, rows);
        }
        else
        {
            var x = _input ?? throw new InvalidOperationException($"{Name}: backward without forward");
            if (Samples)
                DeferredWeightGradient(x, dy, rows);
            else
                GemmOp.Run(device, GemmProblem.Create(GemmLayout.TN, Out, In, rows), dy, x, weight.Grad);
        }
        BiasOp.Grad(device, dy, bias.Grad);
        _input = null;
        if (!inputGradient)
            return null;
        var dx = TensorAlloc.Activation(device, Name + ".dx", rows, In);
        GemmOp.Run(device, GemmProblem.Create(GemmLayout.NN, rows, In, Out), dy, weight.Value, dx);
        return dx;
    }

    /// <summary>Frees what a forward kept when no backward follows (evaluation).</summary>
    public void Release()
    {
        _input = null;
        ReleaseSamples();
    }

    /// <summary>
    /// Cached policy: p ∝ ‖x_i‖·ĝ_i with ĝ_i the last ‖G‖ seen for that example and token (‖x_i‖
    /// alone where none is cached yet, or when the caller gives no example ids); keep k scaled rows.
    /// </summary>
    private void SampleInput(Tensor x, int rows)
    {
        var config = sampling!.Config;
        using var norms = TensorAlloc.Workspace(device, Name + ".x_norms", rows);
        RowNormsOp.Run(device, x.Shape.Length == 2 ? x : x.Reshape(rows, In), norms);
        _examples = sampling.ExampleSlots > 0 ? sampling.Examples : null;
        if (_examples is not null)
            ScaleByCachedGradientNorms(norms, rows);
        _selection = new WtaCrsSelectionBuffers(device.Pool, config.Budget(rows), MemoryTag.SavedForBackward, Name + ".wtacrs");
        WtaCrsSelectionOp.Select(device, norms, _selection, config.Seed, sampling.Step, layerId);
        _sampledInput = TensorAlloc.Saved(device, Name + ".x_sampled", _selection.Budget, In);
        RowGatherOp.Gather(device, x, _selection.Indices, _selection.Scales, _sampledInput);
    }

    /// <summary>Deferred policy: p ∝ ‖x_i‖·‖dy_i‖ with the true gradient, then the sampled GEMM reads rows by index.</summary>
    private void DeferredWeightGradient(Tensor x, Tensor dy, int rows)
    {
        var config = sampling!.Config;
        using var xNorms = TensorAlloc.Workspace(device, Name + ".x_norms", rows);
        using var gNorms = TensorAlloc.Workspace(device, Name + ".g_norms", rows);
        RowNormsOp.Run(device, x.Shape.Length == 2 ? x : x.Reshape(rows, In), xNorms);
        RowNormsOp.Run(device, dy, gNorms);
        using var selection = new WtaCrsSelectionBuffers(device.Pool, config.Budget(rows), MemoryTag.Workspace, Name + ".wtacrs");
        WtaCrsSelectionOp.SelectFromNorms(device, xNorms, gNorms, selection, config.Seed, sampling.Step, layerId);
        SampledGemmOp.Gather(device, dy, x.Shape.Length == 2 ? x : x.Reshape(rows, In), selection.Indices, selection.Scales, weight.Grad);
    }

    /// <summary>
    /// scores_r = ‖x_r‖ · ĝ_r: the batch's rows of this layer's host table go to the device as a
    /// [batch, tokens] tensor (the kernel reads it with the identity as example ids).
    /// </summary>
    private void ScaleByCachedGradientNorms(Tensor norms, int rows)
    {
        var examples = _examples!;
        OpCheck.That(Name, rows % examples.Length == 0, $"{rows} rows are not a whole number of tokens for {examples.Length} examples");
        var tokens = rows / examples.Length;
        var slots = sampling!.Caches.Slots;
        OpCheck.That(Name, examples.All(e => e >= 0 && e < slots), $"example ids must be in [0, {slots})");
        using var batchCache = TensorAlloc.Workspace(device, Name + ".gradnorm_rows", examples.Length, tokens);
        using var local = new IntTensor(device.Pool, examples.Length, MemoryTag.Workspace, Name + ".gradnorm_ids");
        if (batchCache.HasData)
        {
            batchCache.CopyFrom(GradNormCacheStore.Gather(sampling.Caches.For(Name, tokens), examples, tokens));
            local.CopyFrom(Enumerable.Range(0, examples.Length).ToArray());
        }
        GradNormCacheOp.Scores(device, norms, batchCache, local, norms, tokens);
    }

    /// <summary>Cached policy: store this step's ‖G_i‖ (copied to the host table) for the next time these examples come by.</summary>
    private void RememberGradientNorms(Tensor dy, int rows)
    {
        if (_examples is null)
            return;
        using var gNorms = TensorAlloc.Workspace(device, Name + ".g_norms", rows);
        RowNormsOp.Run(device, dy, gNorms);
        if (gNorms.HasData)
        {
            var tokens = rows / _examples.Length;
            GradNormCacheReference.Store(gNorms.ToArray(), _examples, sampling!.Caches.For(Name, tokens), tokens);
        }
        _examples = null;
    }

    private void ReleaseSamples()
    {
        _sampledInput?.Dispose();
        _selection?.Dispose();
        (_sampledInput, _selection) = (null, null);
    }
}
