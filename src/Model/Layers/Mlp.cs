using CrsIlgpu.Kernels.Activation;
using CrsIlgpu.Model.Sampling;

namespace CrsIlgpu.Model.Layers;

/// <summary>fc1 → GELU (erf) → fc2. Saved: fc1's output (GELU backward needs its input) and GELU's output (fc2's input).</summary>
public sealed class Mlp(DeviceContext device, ParameterStore p, string prefix, SamplingState? sampling = null, int block = 0)
{
    private readonly Linear _fc1 = new(device, p[prefix + "fc1.weight"], p[prefix + "fc1.bias"],
        sampling, SampledSite.Fc1, SamplingLayerIds.For(block, SampledSite.Fc1));
    private readonly Linear _fc2 = new(device, p[prefix + "fc2.weight"], p[prefix + "fc2.bias"],
        sampling, SampledSite.Fc2, SamplingLayerIds.For(block, SampledSite.Fc2));
    private Tensor? _pre, _act;

    public Tensor Forward(Tensor h)
    {
        _pre = _fc1.Forward(h, outputSaved: true);
        _act = TensorAlloc.Saved(device, prefix + "gelu", _pre.Shape);
        ActivationOp.GeluForward(device, _pre, _act);
        var output = _fc2.Forward(_act);
        if (!_fc2.KeepsInput)
        {
            _act.Dispose(); // fc2 stored its sampled rows instead
            _act = null;
        }
        return output;
    }

    /// <summary>
    /// Inference: h (consumed: freed once fc1 has read it) → fc2's output (caller owns). GELU runs in
    /// place on fc1's output (the op allows y = x; element by element, the same floats), freed once fc2 has read it.
    /// </summary>
    public Tensor Infer(Tensor h)
    {
        Tensor hidden;
        using (h)
            hidden = _fc1.Infer(h);
        using (hidden)
        {
            ActivationOp.GeluForward(device, hidden, hidden);
            return _fc2.Infer(hidden);
        }
    }

    /// <summary>False when fc1 keeps only sampled rows: the block may free its input after forward.</summary>
    public bool KeepsInput => _fc1.KeepsInput;

    public Tensor Backward(Tensor dout)
    {
        using var dAct = _fc2.Backward(dout)!;
        ActivationOp.GeluBackward(device, _pre!, dAct, dAct);
        ReleaseActivations();
        return _fc1.Backward(dAct)!;
    }

    /// <summary>Frees what a forward kept when no backward follows (evaluation).</summary>
    public void Release()
    {
        _fc1.Release();
        _fc2.Release();
        ReleaseActivations();
    }

    private void ReleaseActivations()
    {
        _pre?.Dispose();
        _act?.Dispose();
        (_pre, _act) = (null, null);
    }
}
