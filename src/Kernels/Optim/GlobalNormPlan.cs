using CrsIlgpu.Kernels.Runtime.Memory;

namespace CrsIlgpu.Kernels.Optim;

/// <summary>
/// How the global gradient norm splits a flat gradient buffer of several tensors: per tensor the
/// groups the per-tensor launch would use (<see cref="OptimKernels.NormGroupsFor"/>), as a table on
/// the device (made once, with the optimizer) so one launch computes every partial.
/// </summary>
public sealed class GlobalNormPlan : IDisposable
{
    private GlobalNormPlan(IReadOnlyList<(long Offset, long Length)> segments, int groupSize, int groups, IntTensor? table)
    {
        Segments = segments;
        GroupSize = groupSize;
        Groups = groups;
        Table = table;
    }

    /// <summary>(first element, elements) of each tensor in the flat buffer.</summary>
    public IReadOnlyList<(long Offset, long Length)> Segments { get; }

    public int GroupSize { get; }

    /// <summary>Partial sums (groups of pass 1) over all tensors.</summary>
    public int Groups { get; }

    /// <summary>[Groups × 4]: start, length, group within its tensor, its tensor's groups; null when there are no groups.</summary>
    public IntTensor? Table { get; }

    public static GlobalNormPlan Create(DeviceContext device, IReadOnlyList<(long Offset, long Length)> segments,
        int groupSize = OptimKernels.DefaultNormGroupSize)
    {
        var rows = new List<int>();
        foreach (var (offset, length) in segments)
        {
            OpCheck.That("global_norm",
                offset >= 0 && length >= 0 && offset + length <= int.MaxValue, $"segment at {offset} of {length} elements is outside a 2^31-element buffer");
            var groups = OptimKernels.NormGroupsFor(length, groupSize);
            for (var b = 0; b < groups; b++)
                rows.AddRange([(int)offset, (int)length, b, groups]);
        }
        var count = rows.Count / OptimKernels.SegmentTableStride;
        IntTensor? table = null;
        if (count > 0 && device.Mode == ExecutionMode.Kernels)
        {
            table = new IntTensor(device.Pool, rows.Count, MemoryTag.Workspace, "optim.global_norm_table");
            table.CopyFrom(rows.ToArray()); // once per optimizer, not per step
        }
        return new GlobalNormPlan(segments, groupSize, count, table);
    }

    public void Dispose() => Table?.Dispose();
}
