using CrsIlgpu.Kernels.Runtime.Memory;
using ILGPU.Runtime;

namespace CrsIlgpu.Kernels.Runtime;

/// <summary>
/// A pooled int32 vector: class labels, sampled row indices. <see cref="CopyFrom"/> records the
/// smallest and largest value copied, so ops can reject out-of-range values on the host before
/// any launch. Values written on the device through <see cref="View"/> are not seen by that
/// check; the kernels still guard every read.
/// </summary>
public sealed class IntTensor : IDisposable
{
    private readonly MemoryPool _pool;
    private PoolBlock? _block;

    public IntTensor(MemoryPool pool, int count, MemoryTag tag = MemoryTag.Activations, string? label = "labels")
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        _pool = pool;
        Count = count;
        _block = pool.Allocate((long)count * sizeof(int), tag, label);
    }

    public int Count { get; }

    public string? Label => Block.Label;

    public PoolBlock Block => _block ?? throw new ObjectDisposedException(nameof(IntTensor), "int tensor used after it was returned to the pool");

    public ArrayView<int> View => Block.View<int>();

    /// <summary>Smallest and largest label of the last <see cref="CopyFrom"/> and their rows; null before any copy or when empty.</summary>
    public (int Min, int MinRow, int Max, int MaxRow)? HostRange { get; private set; }

    public void CopyFrom(int[] labels)
    {
        if (labels.Length != Count)
            throw new ArgumentException($"'{Label}' holds {Count} values, got {labels.Length}");
        if (HasData && labels.Length > 0)
        {
            _pool.Syncs.Add();
            View.CopyFromCPU(labels);
        }
        RecordRange(labels);
    }

    /// <summary>As <see cref="CopyFrom"/>, queued through a page-locked buffer without waiting for the device.</summary>
    public void Upload(int[] labels, HostStaging<int> staging)
    {
        if (labels.Length != Count)
            throw new ArgumentException($"'{Label}' holds {Count} values, got {labels.Length}");
        if (HasData)
            staging.Upload(labels, View);
        RecordRange(labels);
    }

    private void RecordRange(int[] labels)
    {
        if (labels.Length == 0)
        {
            HostRange = null;
            return;
        }
        int min = 0, max = 0;
        for (var i = 1; i < labels.Length; i++)
        {
            if (labels[i] < labels[min])
                min = i;
            if (labels[i] > labels[max])
                max = i;
        }
        HostRange = (labels[min], min, labels[max], max);
    }

    /// <summary>False on a planning device: the tensor has a size and no memory.</summary>
    public bool HasData => Block.Segment.Buffer is not null;

    /// <summary>The values on the host (zeros on a planning device).</summary>
    public int[] ToArray()
    {
        var data = new int[Count];
        if (HasData && Count > 0)
        {
            _pool.Syncs.Add();
            View.CopyToCPU(data);
        }
        return data;
    }

    /// <summary>Host view of the labels; only where the accelerator's memory is host memory (the CPU accelerator).</summary>
    public unsafe Span<int> AsSpan()
    {
        var buffer = Block.Segment.Buffer ?? throw new InvalidOperationException("planned labels have no data");
        if (buffer.AcceleratorType != AcceleratorType.CPU)
            throw new InvalidOperationException("AsSpan needs host memory; copy device labels with ToArray()");
        return new Span<int>((byte*)buffer.NativePtr + Block.Offset, Count);
    }

    public void Dispose()
    {
        if (_block is null)
            return;
        _pool.Free(_block);
        _block = null;
    }
}
