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
    public WtaCrsSelectionBuffers(MemoryPool pool, int budget, MemoryTag tag = MemoryTag.Workspace, string label = "wtacrs")
    {
        ArgumentOutOfRangeException.ThrowIfNegative(budget);
        Budget = budget;
        Indices = new IntTensor(pool, budget, tag, label + ".indices");
        Winners = new IntTensor(pool, 1, tag, label + ".winners");
        Scales = new Tensor(pool, tag, label + ".scales", budget);
    }

    /// <summary>k: the number of selected rows.</summary>
    public int Budget { get; }

    public Tensor Scales { get; }

    /// <summary>The k chosen rows: winners first (sorted), then draws in draw order.</summary>
    public IntTensor Indices { get; }

    /// <summary>One int: c, the number of winners (k when every row is kept).</summary>
    public IntTensor Winners { get; }

    public ArrayView<int> WinnerCount => Winners.View;

    public bool HasData => Indices.HasData;

    public int[] IndicesToArray() => Indices.ToArray();

    public float[] ScalesToArray() => Scales.ToArray();

    /// <summary>c, copied to the host (tests and diagnostics; the training step never needs it there).</summary>
    public int WinnersToHost() => Winners.ToArray()[0];

    /// <summary>Host views (CPU accelerator only), for the CPU backend.</summary>
    public Span<int> IndicesSpan() => Indices.AsSpan();

    public Span<int> WinnerCountSpan() => Winners.AsSpan();

    public void Dispose()
    {
        Indices.Dispose();
        Scales.Dispose();
        Winners.Dispose();
    }
}
