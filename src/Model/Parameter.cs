namespace CrsIlgpu.Model;

/// <summary>
/// A trainable tensor and its gradient: views into the store's two pooled allocations (tags Weights
/// and Gradients), one per tensor at the same offset in each (llm.c's flat parameter buffer).
/// </summary>
public sealed class Parameter
{
    internal Parameter(ParameterShape shape, long offset, Tensor values, Tensor grads)
    {
        Shape = shape;
        Offset = offset;
        Value = values.Slice(offset, shape.Name, shape.Shape);
        Grad = grads.Slice(offset, shape.Name + ".grad", shape.Shape);
    }

    public ParameterShape Shape { get; }

    public string Name => Shape.Name;

    /// <summary>Elements before this tensor in the flat buffers (the same for values, gradients and Adam moments).</summary>
    public long Offset { get; }

    public Tensor Value { get; }

    /// <summary>Overwritten by each backward pass (no parameter is used twice in the graph).</summary>
    public Tensor Grad { get; }
}
