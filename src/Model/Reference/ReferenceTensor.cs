namespace CrsIlgpu.Model.Reference;

/// <summary>One named parameter (or its gradient) in double: PyTorch shape, row-major data.</summary>
public sealed class ReferenceTensor
{
    public ReferenceTensor(string name, int[] shape, double[] data)
    {
        var length = shape.Aggregate(1L, (a, d) => a * d);
        if (length != data.Length)
            throw new ArgumentException($"{name}: shape [{string.Join(", ", shape)}] holds {length} values, data has {data.Length}");
        Name = name;
        Shape = shape;
        Data = data;
    }

    public string Name { get; }
    public int[] Shape { get; }
    public double[] Data { get; }
    public int Length => Data.Length;
}
