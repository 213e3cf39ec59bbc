namespace CrsIlgpu.Model;

/// <summary>One parameter of the model: its timm state-dict name, shape (PyTorch layout, weights [out, in]) and init.</summary>
public sealed record ParameterShape(string Name, int[] Shape, ParameterInit Init)
{
    public long Length => Shape.Aggregate(1L, (a, d) => a * d);
}
