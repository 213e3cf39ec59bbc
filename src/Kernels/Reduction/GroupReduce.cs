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

    public static float Sum(float value) => Reduce<float, SumOp>(value);

    public static float Max(float value) => Reduce<float, MaxOp>(value);

    /// <summary>Integer max: exact and order-free, e.g. over float bit patterns, where a float max would drop NaNs.</summary>
    public static int Max(int value) => Reduce<int, IntMaxOp>(value);

    /// <summary>The tree over shared memory; TOp is a struct, so each use is its own specialised code.</summary>
    private static T Reduce<T, TOp>(T value)
        where T : unmanaged
        where TOp : struct, IReduceOp<T>
    {
        var shared = SharedMemory.Allocate<T>(MaxGroupSize);
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

    private interface IReduceOp<T>
    {
        T Apply(T a, T b);
    }

    private readonly struct SumOp : IReduceOp<float>
    {
        public float Apply(float a, float b) => a + b;
    }

    private readonly struct MaxOp : IReduceOp<float>
    {
        public float Apply(float a, float b) => IntrinsicMath.Max(a, b);
    }

    private readonly struct IntMaxOp : IReduceOp<int>
    {
        public int Apply(int a, int b) => IntrinsicMath.Max(a, b);
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
