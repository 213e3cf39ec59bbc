using CrsIlgpu.Kernels.Runtime.Memory;
using ILGPU.Runtime;

namespace CrsIlgpu.Kernels.Sampling;

/// <summary>
/// Where a WTA-CRS selection of budget k lands, on the device: row <see cref="Indices"/> [k] (ints),
/// <see cref="Scales"/> [k] and the winner count c (<see cref="WinnerCount"/>, one int). The sampled
/// GEMM reads indices and scales straight from here; nothing goes through the host.
/// A batched selection (<see cref="Batched"/>) holds <see cref="Problems"/> such selections:
/// indices and scales [problems, k] row-major, winners [problems].
/// </summary>
public sealed class WtaCrsSelectionBuffers : IDisposable
{
    public WtaCrsSelectionBuffers(MemoryPool pool, int budget, MemoryTag tag = MemoryTag.Workspace, string label = "wtacrs")
        : this(pool, 1, budget, tag, label)
    {
    }

    private WtaCrsSelectionBuffers(MemoryPool pool, int problems, int budget, MemoryTag tag, string label)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(budget);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(problems);
        Problems = problems;
        Budget = budget;
        var total = checked(problems * budget);
        Indices = new IntTensor(pool, total, tag, label + ".indices");
        Winners = new IntTensor(pool, problems, tag, label + ".winners");
        Scales = new Tensor(pool, tag, label + ".scales", total);
    }

    /// <summary>Buffers for <paramref name="problems"/> independent selections of <paramref name="budget"/> rows each.</summary>
    public static WtaCrsSelectionBuffers Batched(MemoryPool pool, int problems, int budget, MemoryTag tag = MemoryTag.Workspace, string label = "wtacrs") =>
        new(pool, problems, budget, tag, label);

    /// <summary>Independent selections held (1 unless made by <see cref="Batched"/>).</summary>
    public int Problems { get; }

    /// <summary>k: the number of selected rows (per problem).</summary>
    public int Budget { get; }

    public Tensor Scales { get; }

    /// <summary>The k chosen rows of each problem: winners first (sorted), then draws in draw order.</summary>
    public IntTensor Indices { get; }

    /// <summary>One int per problem: c, the number of winners (k when every row is kept).</summary>
    public IntTensor Winners { get; }

    public ArrayView<int> WinnerCount => Winners.View;

    public bool HasData => Indices.HasData;

    public int[] IndicesToArray() => Indices.ToArray();

    public float[] ScalesToArray() => Scales.ToArray();

    /// <summary>c, copied to the host (tests and diagnostics; the training step never needs it there).</summary>
    public int WinnersToHost() => Winners.ToArray()[0];

    /// <summary>Every problem's c, copied to the host.</summary>
    public int[] WinnersToArray() => Winners.ToArray();

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
