using CrsIlgpu.Kernels.Activation;
using CrsIlgpu.Model.Saved;
using CrsIlgpu.Model.Sampling;

namespace CrsIlgpu.Model.Layers;

/// <summary>
/// fc1 → GELU (erf) → fc2. Keeps fc1's output (<c>gelu_input</c>: GELU's backward needs its input);
/// fc1 and fc2 keep their own inputs (h and GELU's output), or their sampled rows. With
/// <paramref name="recomputeGelu"/> fc2 keeps nothing of its input: backward recomputes GELU's output
/// from the kept fc1 output into a workspace and hands it to fc2 (a Cached fc2 reads its chosen rows from it).
/// </summary>
public sealed class Mlp(DeviceContext device, ParameterStore p, string prefix, SamplingState? sampling = null, int block = 0,
    bool recomputeGelu = false)
{
    private const string GeluInputKey = "gelu_input";
    private readonly string _name = prefix.TrimEnd('.');
    private readonly Linear _fc1 = new(device, p[prefix + "fc1.weight"], p[prefix + "fc1.bias"],
        sampling, SampledSite.Fc1, SamplingLayerIds.For(block, SampledSite.Fc1));
    private readonly Linear _fc2 = new(device, p[prefix + "fc2.weight"], p[prefix + "fc2.bias"],
        sampling, SampledSite.Fc2, SamplingLayerIds.For(block, SampledSite.Fc2));

    /// <summary>
    /// h [N, D] (consumed: freed once fc1 has read it, unless fc1 kept it) → fc2's output (caller owns).
    /// With no store GELU runs in place on fc1's output (the op allows y = x; element by element,
    /// the same floats), which is freed once fc2 has read it.
    /// </summary>
    public Tensor Forward(Tensor h, SavedTensorStore? saved, bool keepInput = true)
    {
        Tensor pre;
        using (saved.Consume(h))
            pre = _fc1.Forward(h, saved, keepInput);
        var act = pre;
        if (saved is not null)
        {
            saved.Keep(_name, GeluInputKey, SavedRole.InputGradient, pre);
            act = TensorAlloc.Activation(device, prefix + "gelu", pre.Shape);
        }
        ActivationOp.GeluForward(device, pre, act);
        using (saved.Consume(act))
            return _fc2.Forward(act, saved, keepInput: !recomputeGelu);
    }

    /// <summary>False when fc1 keeps only sampled rows: the block may free its input after forward.</summary>
    public bool KeepsInput => _fc1.KeepsInput;

    /// <summary><paramref name="input"/>: h, when the forward was told not to keep it (fc1's weight gradient reads it).</summary>
    public Tensor Backward(Tensor dout, SavedTensorStore saved, Tensor? input = null)
    {
        Tensor dAct;
        using (var pre = saved.Take(_name, GeluInputKey))
        {
            using (var act = recomputeGelu ? TensorAlloc.Workspace(device, prefix + "gelu_recomputed", pre.Value.Shape) : null)
            {
                if (act is not null)
                    ActivationOp.GeluForward(device, pre.Value, act);
                dAct = _fc2.Backward(dout, saved, act)!;
            }
            ActivationOp.GeluBackward(device, pre.Value, dAct, dAct);
        }
        using (dAct)
            return _fc1.Backward(dAct, saved, input)!;
    }

    /// <summary>Forgets the per-step state a forward left when no backward follows (evaluation).</summary>
    public void Release()
    {
        _fc1.Release();
        _fc2.Release();
    }
}
