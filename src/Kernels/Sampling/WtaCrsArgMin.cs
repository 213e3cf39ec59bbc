using CrsIlgpu.Kernels.Reduction;

namespace CrsIlgpu.Kernels.Sampling;

/// <summary>
/// A candidate of the choice of c: objective (1 − P_c)/(k − c) and c. The best is the smallest
/// objective, ties to the larger c — a total order on exact comparisons, so any reduction tree
/// (one group, many groups, the reference's sequential loop) picks the same c.
/// </summary>
public readonly struct WtaCrsArgMin
{
    public WtaCrsArgMin(float value, int c)
    {
        Value = value;
        C = c;
    }

    public float Value { get; }

    public int C { get; }

    /// <summary>No candidate: loses against every real one.</summary>
    public static WtaCrsArgMin None => new(float.PositiveInfinity, -1);

    public bool IsBetterThan(WtaCrsArgMin other) => Value < other.Value || (Value == other.Value && C > other.C);

    /// <summary>The best of every thread's candidate, to every thread of the group; any group size (contains barriers).</summary>
    public static WtaCrsArgMin Group(WtaCrsArgMin candidate)
    {
        var values = SharedMemory.Allocate<float>(GroupReduce.MaxGroupSize);
        var cs = SharedMemory.Allocate<int>(GroupReduce.MaxGroupSize);
        var tid = ILGPU.Group.IdxX;
        var threads = ILGPU.Group.DimX;
        values[tid] = candidate.Value;
        cs[tid] = candidate.C;
        ILGPU.Group.Barrier();
        var stride = 1;
        while (stride < threads)
            stride <<= 1;
        for (stride >>= 1; stride > 0; stride >>= 1)
        {
            if (tid < stride && tid + stride < threads)
            {
                var other = new WtaCrsArgMin(values[tid + stride], cs[tid + stride]);
                if (other.IsBetterThan(new WtaCrsArgMin(values[tid], cs[tid])))
                {
                    values[tid] = other.Value;
                    cs[tid] = other.C;
                }
            }
            ILGPU.Group.Barrier();
        }
        var result = new WtaCrsArgMin(values[0], cs[0]);
        ILGPU.Group.Barrier();
        return result;
    }
}
