using CrsIlgpu.Kernels.Bias;
using CrsIlgpu.Kernels.Gemm;
using CrsIlgpu.Kernels.Runtime;

namespace CrsIlgpu.Model.Layers;

/// <summary>
/// y = x Wᵀ + b with W [out, in] as PyTorch stores it. Forward remembers its input (owned by the
/// layer that produced it) because dW = dyᵀ x needs it.
/// </summary>
public sealed class Linear(DeviceContext device, Parameter weight, Parameter bias)
{
    private Tensor? _input;

    public int Out { get; } = weight.Shape.Shape[0];

    /// <summary>Inputs per output: a conv weight [D, C, P, P] counts as D × (C·P·P).</summary>
    public int In { get; } = (int)(weight.Shape.Length / weight.Shape.Shape[0]);

    public string Name => weight.Name[..^".weight".Length];

    /// <summary>x [rows, in] (any leading shape) → y [rows, out], a new tensor the caller owns.</summary>
    public Tensor Forward(Tensor x, bool outputSaved = false)
    {
        OpCheck.That(Name, x.Length % In == 0, $"input '{x.Label}' {x.ShapeText} is not a multiple of {In} features");
        var rows = (int)(x.Length / In);
        var y = outputSaved ? TensorAlloc.Saved(device, Name + ".out", rows, Out) : TensorAlloc.Activation(device, Name + ".out", rows, Out);
        GemmOp.Run(device, GemmProblem.Create(GemmLayout.NT, rows, Out, In), x, weight.Value, y);
        BiasOp.Add(device, y, bias.Value);
        _input = x;
        return y;
    }

    /// <summary>Writes dW and db; returns dx = dy W (a new tensor) when asked, else null.</summary>
    public Tensor? Backward(Tensor dy, bool inputGradient = true)
    {
        var x = _input ?? throw new InvalidOperationException($"{Name}: backward without forward");
        var rows = (int)(x.Length / In);
        OpCheck.That(Name, dy.Length == (long)rows * Out, $"gradient '{dy.Label}' {dy.ShapeText} does not match [{rows}, {Out}]");
        GemmOp.Run(device, GemmProblem.Create(GemmLayout.TN, Out, In, rows), dy, x, weight.Grad);
        BiasOp.Grad(device, dy, bias.Grad);
        _input = null;
        if (!inputGradient)
            return null;
        var dx = TensorAlloc.Activation(device, Name + ".dx", rows, In);
        GemmOp.Run(device, GemmProblem.Create(GemmLayout.NN, rows, In, Out), dy, weight.Value, dx);
        return dx;
    }
}
