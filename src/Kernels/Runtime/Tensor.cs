using CrsIlgpu.Kernels.Runtime.Memory;
using ILGPU;
using ILGPU.Runtime;

namespace CrsIlgpu.Kernels.Runtime;

/// <summary>An fp32 buffer from the pool with a row-major shape and a tag. Disposing returns it to the pool.</summary>
public sealed class Tensor : IDisposable
{
    private readonly MemoryPool _pool;
    private PoolBlock? _block;

    public Tensor(MemoryPool pool, MemoryTag tag, string? label, params int[] shape)
    {
        if (shape.Length == 0 || shape.Any(d => d < 0))
            throw new ArgumentException($"invalid tensor shape [{string.Join(", ", shape)}] for '{label}'");
        _pool = pool;
        Shape = shape;
        Length = shape.Aggregate(1L, (a, d) => a * d);
        _block = pool.Allocate(Length * sizeof(float), tag, label);
    }

    public int[] Shape { get; }

    public long Length { get; }

    public MemoryTag Tag => Block.Tag;

    public string? Label => Block.Label;

    public PoolBlock Block => _block ?? throw new ObjectDisposedException(nameof(Tensor), "tensor used after it was returned to the pool");

    public ArrayView<float> View => Block.View<float>();

    /// <summary>Host view of the data; only where the accelerator's memory is host memory (the CPU accelerator).</summary>
    public unsafe Span<float> AsSpan()
    {
        var buffer = Block.Segment.Buffer ?? throw new InvalidOperationException("a planned tensor has no data");
        if (buffer.AcceleratorType != AcceleratorType.CPU)
            throw new InvalidOperationException("AsSpan needs host memory; copy device tensors with ToArray()");
        return new Span<float>((byte*)buffer.NativePtr + Block.Offset, checked((int)Length));
    }

    public void CopyFrom(float[] data)
    {
        if (data.Length != Length)
            throw new ArgumentException($"tensor '{Label}' holds {Length} values, got {data.Length}");
        View.CopyFromCPU(data);
    }

    public float[] ToArray()
    {
        var data = new float[Length];
        View.CopyToCPU(data);
        return data;
    }

    public string ShapeText => "[" + string.Join(", ", Shape) + "]";

    public void Dispose()
    {
        if (_block is null)
            return;
        _pool.Free(_block);
        _block = null;
    }
}
