using CrsIlgpu.Kernels.Runtime;
using CrsIlgpu.Kernels.Runtime.Memory;

namespace CrsIlgpu.Model;

/// <summary>A trainable tensor and its gradient, both from the pool (tags Weights and Gradients).</summary>
public sealed class Parameter : IDisposable
{
    public Parameter(DeviceContext device, ParameterShape shape)
    {
        Shape = shape;
        Value = new Tensor(device.Pool, MemoryTag.Weights, shape.Name, shape.Shape);
        Grad = new Tensor(device.Pool, MemoryTag.Gradients, shape.Name + ".grad", shape.Shape);
    }

    public ParameterShape Shape { get; }

    public string Name => Shape.Name;

    public Tensor Value { get; }

    /// <summary>Overwritten by each backward pass (no parameter is used twice in the graph).</summary>
    public Tensor Grad { get; }

    public void Dispose()
    {
        Value.Dispose();
        Grad.Dispose();
    }
}
