using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace CrsIlgpu.Kernels.Optim;

/// <summary>
/// CPU backend: the Adam update as one fused SIMD pass (Vector512 where the CPU has it, else
/// Vector256) split over cores for large tensors, and a deterministic sum of squares (fixed
/// chunks, combined in chunk order in double, so thread scheduling cannot change the result).
/// </summary>
public static class OptimCpu
{
    /// <summary>Elements per parallel work item of the Adam update: big enough to amortize scheduling.</summary>
    private const int AdamChunk = 1 << 15;

    /// <summary>Elements per fp32 partial of the sum of squares: short enough that fp32 accumulation stays accurate.</summary>
    private const int SquaresChunk = 1 << 13;

    public static unsafe void Adam(Span<float> p, ReadOnlySpan<float> g, Span<float> m, Span<float> v, in AdamStepScalars s)
    {
        var n = p.Length;
        if (g.Length != n || m.Length != n || v.Length != n)
            throw new ArgumentException("Adam: p, g, m and v must have the same length");
        if (n < 4 * AdamChunk)
        {
            AdamRange(p, g, m, v, s);
            return;
        }
        var scalars = s;
        // The spans may be managed arrays: pin them for the synchronous Parallel.For, pass addresses.
        fixed (float* pp = p, gp = g, mp = m, vp = v)
        {
            nint pa = (nint)pp, ga = (nint)gp, ma = (nint)mp, va = (nint)vp;
            Parallel.For(0, (n + AdamChunk - 1) / AdamChunk, CpuThreads.Options, c =>
            {
                var start = c * AdamChunk;
                var len = Math.Min(AdamChunk, n - start);
                AdamRange(
                    new Span<float>((float*)pa + start, len), new ReadOnlySpan<float>((float*)ga + start, len),
                    new Span<float>((float*)ma + start, len), new Span<float>((float*)va + start, len), scalars);
            });
        }
    }

    /// <summary>Sum of squares of <paramref name="x"/>: fp32 SIMD lanes within chunks of <see cref="SquaresChunk"/>, double across them.</summary>
    public static unsafe double SumOfSquares(ReadOnlySpan<float> x)
    {
        var chunks = (x.Length + SquaresChunk - 1) / SquaresChunk;
        if (chunks <= 8)
        {
            double total = 0;
            for (var c = 0; c < chunks; c++)
                total += SumOfSquaresChunk(x.Slice(c * SquaresChunk, Math.Min(SquaresChunk, x.Length - c * SquaresChunk)));
            return total;
        }
        var partials = new double[chunks];
        var n = x.Length;
        fixed (float* xp = x)
        {
            nint xa = (nint)xp;
            Parallel.For(0, chunks, CpuThreads.Options, c =>
            {
                var start = c * SquaresChunk;
                partials[c] = SumOfSquaresChunk(new ReadOnlySpan<float>((float*)xa + start, Math.Min(SquaresChunk, n - start)));
            });
        }
        double sum = 0;
        foreach (var partial in partials)
            sum += partial;
        return sum;
    }

    /// <summary>
    /// fp32 sum of squares of one chunk with two vector accumulators (TensorPrimitives.SumOfSquares
    /// measured 4-5x slower per element on 8K-element slices than on whole arrays).
    /// </summary>
    private static double SumOfSquaresChunk(ReadOnlySpan<float> x)
    {
        var i = 0;
        ref var xr = ref MemoryMarshal.GetReference(x);
        double sum = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            var step = Vector512<float>.Count;
            Vector512<float> acc0 = default, acc1 = default;
            for (; i <= x.Length - 2 * step; i += 2 * step)
            {
                var a = Vector512.LoadUnsafe(ref xr, (nuint)i);
                var b = Vector512.LoadUnsafe(ref xr, (nuint)(i + step));
                acc0 += a * a;
                acc1 += b * b;
            }
            sum = Vector512.Sum(acc0 + acc1);
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            var step = Vector256<float>.Count;
            Vector256<float> acc0 = default, acc1 = default;
            for (; i <= x.Length - 2 * step; i += 2 * step)
            {
                var a = Vector256.LoadUnsafe(ref xr, (nuint)i);
                var b = Vector256.LoadUnsafe(ref xr, (nuint)(i + step));
                acc0 += a * a;
                acc1 += b * b;
            }
            sum = Vector256.Sum(acc0 + acc1);
        }
        var tail = 0f;
        for (; i < x.Length; i++)
            tail += x[i] * x[i];
        return sum + tail;
    }

    private static void AdamRange(Span<float> p, ReadOnlySpan<float> g, Span<float> m, Span<float> v, in AdamStepScalars s)
    {
        var n = p.Length;
        var i = 0;
        ref var pr = ref MemoryMarshal.GetReference(p);
        ref var gr = ref MemoryMarshal.GetReference(g);
        ref var mr = ref MemoryMarshal.GetReference(m);
        ref var vr = ref MemoryMarshal.GetReference(v);
        if (Vector512.IsHardwareAccelerated)
        {
            for (; i <= n - Vector512<float>.Count; i += Vector512<float>.Count)
            {
                var param = Vector512.LoadUnsafe(ref pr, (nuint)i);
                var grad = Vector512.LoadUnsafe(ref gr, (nuint)i) * s.GradScale + param * s.L2Decay;
                param *= s.ParamDecay;
                var mi = Vector512.LoadUnsafe(ref mr, (nuint)i) * s.Beta1 + grad * s.OneMinusBeta1;
                var vi = Vector512.LoadUnsafe(ref vr, (nuint)i) * s.Beta2 + grad * grad * s.OneMinusBeta2;
                var denom = Vector512.Sqrt(vi) / s.BiasCorrection2Sqrt + Vector512.Create(s.Epsilon);
                mi.StoreUnsafe(ref mr, (nuint)i);
                vi.StoreUnsafe(ref vr, (nuint)i);
                (param - mi / denom * s.StepSize).StoreUnsafe(ref pr, (nuint)i);
            }
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            for (; i <= n - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                var param = Vector256.LoadUnsafe(ref pr, (nuint)i);
                var grad = Vector256.LoadUnsafe(ref gr, (nuint)i) * s.GradScale + param * s.L2Decay;
                param *= s.ParamDecay;
                var mi = Vector256.LoadUnsafe(ref mr, (nuint)i) * s.Beta1 + grad * s.OneMinusBeta1;
                var vi = Vector256.LoadUnsafe(ref vr, (nuint)i) * s.Beta2 + grad * grad * s.OneMinusBeta2;
                var denom = Vector256.Sqrt(vi) / s.BiasCorrection2Sqrt + Vector256.Create(s.Epsilon);
                mi.StoreUnsafe(ref mr, (nuint)i);
                vi.StoreUnsafe(ref vr, (nuint)i);
                (param - mi / denom * s.StepSize).StoreUnsafe(ref pr, (nuint)i);
            }
        }
        for (; i < n; i++)
            AdamScalar(ref Unsafe.Add(ref pr, i), Unsafe.Add(ref gr, i), ref Unsafe.Add(ref mr, i), ref Unsafe.Add(ref vr, i), s);
    }

    /// <summary>The same arithmetic as the vector loops, in the same order, for the tail.</summary>
    private static void AdamScalar(ref float p, float g, ref float m, ref float v, in AdamStepScalars s)
    {
        var param = p;
        var grad = g * s.GradScale + param * s.L2Decay;
        param *= s.ParamDecay;
        var mi = m * s.Beta1 + grad * s.OneMinusBeta1;
        var vi = v * s.Beta2 + grad * grad * s.OneMinusBeta2;
        var denom = MathF.Sqrt(vi) / s.BiasCorrection2Sqrt + s.Epsilon;
        m = mi;
        v = vi;
        p = param - mi / denom * s.StepSize;
    }
}
