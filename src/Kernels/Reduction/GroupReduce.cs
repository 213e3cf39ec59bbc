namespace CrsIlgpu.Kernels.Reduction;

/// <summary>
/// Reductions over one thread group through shared memory, correct for ANY group size (1 to
/// <see cref="MaxGroupSize"/>, powers of two or not). ILGPU's warp-based group reductions return
/// garbage for groups smaller than a warp; these do not. Every thread of the group must call
/// them (they contain barriers) and every thread gets the result.
/// </summary>
public static class GroupReduce
{
    public const int MaxGroupSize = 1024;

    public static float Sum(float value) => Reduce<SumOp>(value);

    public static float Max(float value) => Reduce<MaxOp>(value);

    /// <summary>The tree over shared memory; TOp is a struct, so each use is its own specialised code.</summary>
    private static float Reduce<TOp>(float value) where TOp : struct, IReduceOp
    {
        var shared = SharedMemory.Allocate<float>(MaxGroupSize);
        var tid = Group.IdxX;
        var n = Group.DimX;
        shared[tid] = value;
        Group.Barrier();
        for (var stride = HalfCeilPow2(n); stride > 0; stride >>= 1)
        {
            if (tid < stride && tid + stride < n)
            {
                ref var slot = ref shared[tid];
                slot = default(TOp).Apply(slot, shared[tid + stride]);
            }
            Group.Barrier();
        }
        var result = shared[0];
        Group.Barrier(); // nobody overwrites shared[0] before all have read it
        return result;
    }

    private interface IReduceOp
    {
        float Apply(float a, float b);
    }

    private readonly struct SumOp : IReduceOp
    {
        public float Apply(float a, float b) => a + b;
    }

    private readonly struct MaxOp : IReduceOp
    {
        public float Apply(float a, float b) => IntrinsicMath.Max(a, b);
    }

    /// <summary>Half of the smallest power of two ≥ n: the first stride of the tree (0 for n = 1).</summary>
    private static int HalfCeilPow2(int n)
    {
        var p = 1;
        while (p < n)
            p <<= 1;
        return p >> 1;
    }
}
