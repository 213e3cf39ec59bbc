using CrsIlgpu.Kernels.Runtime.Memory;
using ILGPU.Runtime;

namespace CrsIlgpu.Kernels.Codec;

/// <summary>
/// A pooled encoded copy of an fp32 tensor: the payload (bf16: 2 B per element; int8: 1 B per
/// element) and, for int8, one fp32 scale per row (a row = the tensor's last dimension) in a second
/// block labelled "<c>label</c>.scales". Disposing returns both blocks to the pool.
/// </summary>
public sealed class EncodedTensor : IDisposable
{
    private readonly MemoryPool _pool;
    private PoolBlock? _payload;
    private PoolBlock? _scales;

    /// <summary>An encoded tensor of <paramref name="shape"/> with no values written yet (<see cref="CodecOp.EncodeInto"/> fills it).</summary>
    public EncodedTensor(MemoryPool pool, SavedPrecision precision, MemoryTag tag, string? label, params int[] shape)
    {
        if (precision == SavedPrecision.Fp32)
            throw new ArgumentException($"'{label}': fp32 has nothing to encode; keep the tensor itself", nameof(precision));
        if (!Enum.IsDefined(precision))
            throw new ArgumentOutOfRangeException(nameof(precision), precision, "unknown saved precision");
        if (shape.Length == 0 || shape.Any(d => d < 0))
            throw new ArgumentException($"invalid tensor shape [{string.Join(", ", shape)}] for '{label}'");
        _pool = pool;
        Shape = (int[])shape.Clone();
        Precision = precision;
        Label = label;
        Length = shape.Aggregate(1L, (a, d) => a * d);
        Rows = shape[..^1].Aggregate(1L, (a, d) => a * d);
        _payload = pool.Allocate(Length * BytesPerElement(precision), tag, label);
        if (precision == SavedPrecision.Int8)
            _scales = pool.Allocate(Rows * sizeof(float), tag, label + ".scales");
    }

    public int[] Shape { get; }

    public long Length { get; }

    public SavedPrecision Precision { get; }

    public string? Label { get; }

    /// <summary>The last dimension: what one int8 scale covers.</summary>
    public int RowWidth => Shape[^1];

    /// <summary>The product of the other dimensions: how many int8 scales there are.</summary>
    public long Rows { get; }

    /// <summary>Requested bytes of all its pool blocks (what the pool's Allocated counts for it).</summary>
    public long Bytes => Blocks.Sum(b => b.Requested);

    /// <summary>The payload block, then (int8) the scales block: the caller may retag them (<see cref="MemoryPool.Retag"/>).</summary>
    public IReadOnlyList<PoolBlock> Blocks => _scales is null ? [Payload] : [Payload, _scales];

    /// <summary>False on a planning device: the blocks have a size and no memory.</summary>
    public bool HasData => Payload.Segment.Buffer is not null;

    /// <summary>Payload bytes per element: 2 for bf16, 1 for int8.</summary>
    public static int BytesPerElement(SavedPrecision precision) => precision switch
    {
        SavedPrecision.Bf16 => sizeof(ushort),
        SavedPrecision.Int8 => sizeof(sbyte),
        _ => throw new ArgumentOutOfRangeException(nameof(precision), precision, "fp32 is not encoded"),
    };

    /// <summary>What an encoded tensor of <paramref name="shape"/> requests from the pool (for plans that size a store without allocating).</summary>
    public static long BytesFor(SavedPrecision precision, params int[] shape)
    {
        var length = shape.Aggregate(1L, (a, d) => a * d);
        var rows = shape[..^1].Aggregate(1L, (a, d) => a * d);
        return length * BytesPerElement(precision) + (precision == SavedPrecision.Int8 ? rows * sizeof(float) : 0);
    }

    public string ShapeText => "[" + string.Join(", ", Shape) + "]";

    internal ArrayView<ushort> Bf16View => Require(SavedPrecision.Bf16).View<ushort>();

    internal ArrayView<sbyte> Int8View => Require(SavedPrecision.Int8).View<sbyte>();

    internal ArrayView<float> ScalesView => ScaleBlock.View<float>();

    internal Span<ushort> Bf16Span() => HostSpan<ushort>(Require(SavedPrecision.Bf16), Length);

    internal Span<sbyte> Int8Span() => HostSpan<sbyte>(Require(SavedPrecision.Int8), Length);

    internal Span<float> ScalesSpan() => HostSpan<float>(ScaleBlock, Rows);

    /// <summary>The payload's bytes on the host (zeros on a planning device): bf16 little-endian pairs, or int8 values.</summary>
    public byte[] PayloadToArray() => BlockToArray<byte>(Payload, Length * BytesPerElement(Precision));

    /// <summary>The int8 row scales on the host (zeros on a planning device); empty for bf16.</summary>
    public float[] ScalesToArray() => Precision == SavedPrecision.Int8 ? BlockToArray<float>(ScaleBlock, Rows) : [];

    public void Dispose()
    {
        if (_payload is null)
            return;
        _pool.Free(_payload);
        if (_scales is not null)
            _pool.Free(_scales);
        _payload = null;
        _scales = null;
    }

    private PoolBlock Payload =>
        _payload ?? throw new ObjectDisposedException(nameof(EncodedTensor), $"encoded tensor '{Label}' used after it was returned to the pool");

    // Require first: a disposed tensor fails as disposed, a bf16 one as having no scales.
    private PoolBlock ScaleBlock
    {
        get
        {
            Require(SavedPrecision.Int8);
            return _scales!;
        }
    }

    private PoolBlock Require(SavedPrecision precision) => Precision == precision
        ? Payload
        : throw new InvalidOperationException($"'{Label}' is {Precision}, not {precision}");

    private T[] BlockToArray<T>(PoolBlock block, long count)
        where T : unmanaged
    {
        var data = new T[count];
        if (HasData && count > 0)
        {
            _pool.Syncs.Add();
            block.View<T>().CopyToCPU(data);
        }
        return data;
    }

    private static unsafe Span<T> HostSpan<T>(PoolBlock block, long count)
        where T : unmanaged
    {
        var buffer = block.Segment.Buffer ?? throw new InvalidOperationException("a planned encoded tensor has no data");
        if (buffer.AcceleratorType != AcceleratorType.CPU)
            throw new InvalidOperationException("host spans need host memory (the CPU accelerator)");
        return new Span<T>((byte*)buffer.NativePtr + block.Offset, checked((int)count));
    }
}
