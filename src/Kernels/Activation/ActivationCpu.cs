using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace CrsIlgpu.Kernels.Activation;

/// <summary>
/// CPU backend of GELU: the same erfc fit as the kernels (<see cref="GeluMath"/>) on Vector512
/// (or Vector256) lanes with the runtime's vectorized Exp, a scalar tail, and Parallel.For over
/// chunks when the tensor is large. GELU is compute-bound on a CPU (two exps per element).
/// </summary>
public static class ActivationCpu
{
    private const int ParallelThreshold = 1 << 16;
    private const int ChunkSize = 1 << 14;

    public static void GeluForward(ReadOnlySpan<float> x, Span<float> y)
    {
        if (y.Length < ParallelThreshold)
        {
            GeluForwardRange(x, y);
            return;
        }
        unsafe
        {
            fixed (float* px = x, py = y)
            {
                var (xp, yp, n) = ((nint)px, (nint)py, y.Length);
                Parallel.For(0, (n + ChunkSize - 1) / ChunkSize, CpuThreads.Options, c =>
                {
                    var start = c * ChunkSize;
                    var len = Math.Min(ChunkSize, n - start);
                    GeluForwardRange(new ReadOnlySpan<float>((float*)xp + start, len), new Span<float>((float*)yp + start, len));
                });
            }
        }
    }

    public static void GeluBackward(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dx)
    {
        if (dx.Length < ParallelThreshold)
        {
            GeluBackwardRange(x, dy, dx);
            return;
        }
        unsafe
        {
            fixed (float* px = x, pdy = dy, pdx = dx)
            {
                var (xp, dyp, dxp, n) = ((nint)px, (nint)pdy, (nint)pdx, dx.Length);
                Parallel.For(0, (n + ChunkSize - 1) / ChunkSize, CpuThreads.Options, c =>
                {
                    var start = c * ChunkSize;
                    var len = Math.Min(ChunkSize, n - start);
                    GeluBackwardRange(new ReadOnlySpan<float>((float*)xp + start, len), new ReadOnlySpan<float>((float*)dyp + start, len),
                        new Span<float>((float*)dxp + start, len));
                });
            }
        }
    }

    private static void GeluForwardRange(ReadOnlySpan<float> x, Span<float> y)
    {
        ref var xr = ref MemoryMarshal.GetReference(x);
        ref var yr = ref MemoryMarshal.GetReference(y);
        var i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            for (; i <= y.Length - Vector512<float>.Count; i += Vector512<float>.Count)
            {
                var v = Vector512.LoadUnsafe(ref xr, (nuint)i);
                (v * Cdf512(v, out _)).StoreUnsafe(ref yr, (nuint)i);
            }
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            for (; i <= y.Length - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                var v = Vector256.LoadUnsafe(ref xr, (nuint)i);
                (v * Cdf256(v, out _)).StoreUnsafe(ref yr, (nuint)i);
            }
        }
        for (; i < y.Length; i++)
            y[i] = GeluMath.Gelu(x[i]);
    }

    private static void GeluBackwardRange(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dx)
    {
        ref var xr = ref MemoryMarshal.GetReference(x);
        ref var dyr = ref MemoryMarshal.GetReference(dy);
        ref var dxr = ref MemoryMarshal.GetReference(dx);
        var i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            for (; i <= dx.Length - Vector512<float>.Count; i += Vector512<float>.Count)
            {
                var v = Vector512.LoadUnsafe(ref xr, (nuint)i);
                var cdf = Cdf512(v, out var gauss);
                var derivative = cdf + v * gauss * GeluMath.InvSqrt2Pi;
                (Vector512.LoadUnsafe(ref dyr, (nuint)i) * derivative).StoreUnsafe(ref dxr, (nuint)i);
            }
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            for (; i <= dx.Length - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                var v = Vector256.LoadUnsafe(ref xr, (nuint)i);
                var cdf = Cdf256(v, out var gauss);
                var derivative = cdf + v * gauss * GeluMath.InvSqrt2Pi;
                (Vector256.LoadUnsafe(ref dyr, (nuint)i) * derivative).StoreUnsafe(ref dxr, (nuint)i);
            }
        }
        for (; i < dx.Length; i++)
            dx[i] = dy[i] * GeluMath.GeluDerivative(x[i]);
    }

    // Lane-wise GeluMath.NormalCdf: same fit, same Horner order.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Cdf512(Vector512<float> x, out Vector512<float> gauss)
    {
        var one = Vector512<float>.One;
        var z = Vector512.Abs(x) * GeluMath.InvSqrt2;
        var t = one / (one + 0.5f * z);
        var p = Vector512.Create(GeluMath.C9);
        p = p * t + Vector512.Create(GeluMath.C8);
        p = p * t + Vector512.Create(GeluMath.C7);
        p = p * t + Vector512.Create(GeluMath.C6);
        p = p * t + Vector512.Create(GeluMath.C5);
        p = p * t + Vector512.Create(GeluMath.C4);
        p = p * t + Vector512.Create(GeluMath.C3);
        p = p * t + Vector512.Create(GeluMath.C2);
        p = p * t + Vector512.Create(GeluMath.C1);
        p = p * t + Vector512.Create(GeluMath.C0);
        gauss = Vector512.Exp(-0.5f * x * x);
        var halfErfc = 0.5f * t * gauss * Vector512.Exp(p);
        return Vector512.ConditionalSelect(Vector512.GreaterThanOrEqual(x, Vector512<float>.Zero), one - halfErfc, halfErfc);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Cdf256(Vector256<float> x, out Vector256<float> gauss)
    {
        var one = Vector256<float>.One;
        var z = Vector256.Abs(x) * GeluMath.InvSqrt2;
        var t = one / (one + 0.5f * z);
        var p = Vector256.Create(GeluMath.C9);
        p = p * t + Vector256.Create(GeluMath.C8);
        p = p * t + Vector256.Create(GeluMath.C7);
        p = p * t + Vector256.Create(GeluMath.C6);
        p = p * t + Vector256.Create(GeluMath.C5);
        p = p * t + Vector256.Create(GeluMath.C4);
        p = p * t + Vector256.Create(GeluMath.C3);
        p = p * t + Vector256.Create(GeluMath.C2);
        p = p * t + Vector256.Create(GeluMath.C1);
        p = p * t + Vector256.Create(GeluMath.C0);
        gauss = Vector256.Exp(-0.5f * x * x);
        var halfErfc = 0.5f * t * gauss * Vector256.Exp(p);
        return Vector256.ConditionalSelect(Vector256.GreaterThanOrEqual(x, Vector256<float>.Zero), one - halfErfc, halfErfc);
    }
}
