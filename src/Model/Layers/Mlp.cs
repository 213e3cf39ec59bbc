using CrsIlgpu.Kernels.Activation;
using CrsIlgpu.Kernels.Runtime;

namespace CrsIlgpu.Model.Layers;

/// <summary>fc1 → GELU (erf) → fc2. Saved: fc1's output (GELU backward needs its input) and GELU's output (fc2's input).</summary>
public sealed class Mlp(DeviceContext device, ParameterStore p, string prefix)
{
    private readonly Linear _fc1 = new(device, p[prefix + "fc1.weight"], p[prefix + "fc1.bias"]);
    private readonly Linear _fc2 = new(device, p[prefix + "fc2.weight"], p[prefix + "fc2.bias"]);
    private Tensor? _pre, _act;

    public Tensor Forward(Tensor h)
    {
        _pre = _fc1.Forward(h, outputSaved: true);
        _act = TensorAlloc.Saved(device, prefix + "gelu", _pre.Shape);
        ActivationOp.GeluForward(device, _pre, _act);
        return _fc2.Forward(_act);
    }

    public Tensor Backward(Tensor dout)
    {
        using var dAct = _fc2.Backward(dout)!;
        ActivationOp.GeluBackward(device, _pre!, dAct, dAct);
        Release();
        return _fc1.Backward(dAct)!;
    }

    public void Release()
    {
        _pre?.Dispose();
        _act?.Dispose();
        (_pre, _act) = (null, null);
    }
}
