using CrsIlgpu.Kernels.Runtime.Memory;
using ILGPU.Runtime;

namespace CrsIlgpu.Kernels.Runtime;

/// <summary>An fp32 buffer from the pool with a row-major shape and a tag. Disposing returns it to the pool.</summary>
public sealed class Tensor : IDisposable
{
    private readonly MemoryPool _pool;
    private readonly bool _ownsBlock = true;
    private readonly long _offset; // elements into the block (views into a pooled allocation)
    private readonly string? _label;
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

    private Tensor(Tensor source, int[] shape, long offset, long length, string? label)
    {
        _pool = source._pool;
        _block = source.Block;
        _ownsBlock = false;
        _offset = source._offset + offset;
        _label = label;
        Shape = shape;
        Length = length;
    }

    /// <summary>False for views (<see cref="Reshape"/>, <see cref="Slice"/>): disposing them frees nothing.</summary>
    public bool OwnsMemory => _ownsBlock;

    public int[] Shape { get; }

    public long Length { get; }

    public MemoryTag Tag => Block.Tag;

    public string? Label => _label ?? Block.Label;

    public PoolBlock Block => _block ?? throw new ObjectDisposedException(nameof(Tensor), "tensor used after it was returned to the pool");

    public ArrayView<float> View => _offset == 0 && Length * sizeof(float) == Block.Requested
        ? Block.View<float>()
        : Block.View<float>().SubView(_offset, Length);

    /// <summary>Host view of the data; only where the accelerator's memory is host memory (the CPU accelerator).</summary>
    public unsafe Span<float> AsSpan()
    {
        var buffer = Block.Segment.Buffer ?? throw new InvalidOperationException("a planned tensor has no data");
        if (buffer.AcceleratorType != AcceleratorType.CPU)
            throw new InvalidOperationException("AsSpan needs host memory; copy device tensors with ToArray()");
        return new Span<float>((byte*)buffer.NativePtr + Block.Offset + _offset * sizeof(float), checked((int)Length));
    }

    /// <summary>False for tensors of a planning device: they have a size and no memory.</summary>
    public bool HasData => Block.Segment.Buffer is not null;

    /// <summary>Copies host data in (nothing to copy into on a planning device).</summary>
    public void CopyFrom(float[] data)
    {
        if (data.Length != Length)
            throw new ArgumentException($"tensor '{Label}' holds {Length} values, got {data.Length}");
        if (HasData && Length > 0)
        {
            _pool.Syncs.Add();
            View.CopyFromCPU(data);
        }
    }

    /// <summary>The data on the host (zeros on a planning device).</summary>
    public float[] ToArray()
    {
        var data = new float[Length];
        if (HasData && Length > 0)
        {
            _pool.Syncs.Add();
            View.CopyToCPU(data);
        }
        return data;
    }

    public string ShapeText => "[" + string.Join(", ", Shape) + "]";

    /// <summary>
    /// The same data seen with another shape of the same length (e.g. a conv weight [D, C, P, P] as
    /// [D, C·P·P]). The view does not own the memory: disposing it frees nothing, and it must not
    /// outlive this tensor.
    /// </summary>
    public Tensor Reshape(params int[] shape)
    {
        if (shape.Any(d => d < 0) || shape.Aggregate(1L, (a, d) => a * d) != Length)
            throw new ArgumentException($"cannot view '{Label}' {ShapeText} as [{string.Join(", ", shape)}]");
        return new Tensor(this, shape, 0, Length, _label);
    }

    /// <summary>
    /// A view of <paramref name="shape"/>'s elements starting <paramref name="offset"/> elements into
    /// this tensor (one tensor of a pooled allocation, llm.c's flat parameter buffer). Like
    /// <see cref="Reshape"/>, it owns nothing and must not outlive this tensor.
    /// </summary>
    public Tensor Slice(long offset, string? label, params int[] shape)
    {
        var length = shape.Aggregate(1L, (a, d) => a * d);
        if (shape.Length == 0 || shape.Any(d => d < 0) || offset < 0 || offset + length > Length)
            throw new ArgumentException($"cannot view [{string.Join(", ", shape)}] at {offset} of '{Label}' {ShapeText}");
        return new Tensor(this, shape, offset, length, label);
    }

    public void Dispose()
    {
        if (_block is null)
            return;
        if (_ownsBlock)
            _pool.Free(_block);
        _block = null;
    }
}
