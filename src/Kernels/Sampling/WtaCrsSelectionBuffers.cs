using CrsIlgpu.Kernels.Runtime;
using CrsIlgpu.Kernels.Runtime.Memory;
using ILGPU;
using ILGPU.Runtime;

namespace CrsIlgpu.Kernels.Sampling;

/// <summary>
/// Where a WTA-CRS selection of budget k lands, on the device: row <see cref="Indices"/> [k] (ints),
/// <see cref="Scales"/> [k] and the winner count c (<see cref="WinnerCount"/>, one int). The sampled
/// GEMM reads indices and scales straight from here; nothing goes through the host.
/// </summary>
public sealed class WtaCrsSelectionBuffers : IDisposable
{
    private readonly MemoryPool _pool;
    private PoolBlock? _indices;
    private PoolBlock? _winners;

    public WtaCrsSelectionBuffers(MemoryPool pool, int budget, MemoryTag tag = MemoryTag.Workspace, string label = "wtacrs")
    {
        ArgumentOutOfRangeException.ThrowIfNegative(budget);
        _pool = pool;
        Budget = budget;
        _indices = pool.Allocate((long)budget * sizeof(int), tag, label + ".indices");
        _winners = pool.Allocate(sizeof(int), tag, label + ".winners");
        Scales = new Tensor(pool, tag, label + ".scales", budget);
    }

    /// <summary>k: the number of selected rows.</summary>
    public int Budget { get; }

    public Tensor Scales { get; }

    public ArrayView<int> Indices => Live(_indices).View<int>();

    /// <summary>One int: c, the number of winners (k when every row is kept).</summary>
    public ArrayView<int> WinnerCount => Live(_winners).View<int>();

    public bool HasData => Live(_indices).Segment.Buffer is not null;

    public int[] IndicesToArray() => Copy(Indices, Budget);

    public float[] ScalesToArray() => Scales.ToArray();

    /// <summary>c, copied to the host (tests and diagnostics; the training step never needs it there).</summary>
    public int WinnersToHost() => Copy(WinnerCount, 1)[0];

    /// <summary>Host views (CPU accelerator only), for the CPU backend.</summary>
    public Span<int> IndicesSpan() => HostSpan(Live(_indices), Budget);

    public Span<int> WinnerCountSpan() => HostSpan(Live(_winners), 1);

    private static int[] Copy(ArrayView<int> view, int count)
    {
        var data = new int[count];
        if (count > 0)
            view.CopyToCPU(data);
        return data;
    }

    private static unsafe Span<int> HostSpan(PoolBlock block, int count)
    {
        var buffer = block.Segment.Buffer ?? throw new InvalidOperationException("a planned selection has no data");
        if (buffer.AcceleratorType != AcceleratorType.CPU)
            throw new InvalidOperationException("host spans need host memory; copy device selections with IndicesToArray()");
        return new Span<int>((byte*)buffer.NativePtr + block.Offset, count);
    }

    private static PoolBlock Live(PoolBlock? block) =>
        block ?? throw new ObjectDisposedException(nameof(WtaCrsSelectionBuffers), "selection used after it was returned to the pool");

    public void Dispose()
    {
        if (_indices is null)
            return;
        Scales.Dispose();
        _pool.Free(_indices);
        _pool.Free(_winners!);
        _indices = null;
        _winners = null;
    }
}
