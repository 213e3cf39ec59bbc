using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using CrsIlgpu.Kernels.Reduction;

namespace CrsIlgpu.Kernels.Codec;

/// <summary>
/// CPU backend of the codecs: the rules of <see cref="CodecMath"/> on Vector256 lanes (16 bf16 or
/// 32 int8 values per store, narrowed from 32-bit lanes), the scalar rules on the tails, chunks or
/// rows in parallel when the tensor is large. The lanes do the same integer and IEEE float
/// operations as the scalar rules, so every path gives the kernels' bytes.
/// </summary>
public static class CodecCpu
{
    private const int ParallelThreshold = 1 << 16;
    private const int ChunkSize = 1 << 14;

    public static unsafe void EncodeBf16(ReadOnlySpan<float> x, Span<ushort> h)
    {
        fixed (float* px = x)
        fixed (ushort* ph = h)
        {
            var (xp, hp) = ((nint)px, (nint)ph);
            ForChunks(h.Length, (s, len) => EncodeBf16Range(new ReadOnlySpan<float>((float*)xp + s, len), new Span<ushort>((ushort*)hp + s, len)));
        }
    }

    public static unsafe void DecodeBf16(ReadOnlySpan<ushort> h, Span<float> y)
    {
        fixed (ushort* ph = h)
        fixed (float* py = y)
        {
            var (hp, yp) = ((nint)ph, (nint)py);
            ForChunks(y.Length, (s, len) => DecodeBf16Range(new ReadOnlySpan<ushort>((ushort*)hp + s, len), new Span<float>((float*)yp + s, len)));
        }
    }

    public static unsafe void EncodeInt8(ReadOnlySpan<float> x, Span<sbyte> q, Span<float> scales, int n)
    {
        fixed (float* px = x, ps = scales)
        fixed (sbyte* pq = q)
        {
            var (xp, qp, sp) = ((nint)px, (nint)pq, (nint)ps);
            ParallelRows.For(scales.Length, n, (r0, r1) =>
            {
                for (var r = r0; r < r1; r++)
                {
                    var offset = (long)r * n;
                    ((float*)sp)[r] = EncodeInt8Row(new ReadOnlySpan<float>((float*)xp + offset, n), new Span<sbyte>((sbyte*)qp + offset, n));
                }
            });
        }
    }

    public static unsafe void DecodeInt8(ReadOnlySpan<sbyte> q, ReadOnlySpan<float> scales, Span<float> y, int n)
    {
        fixed (sbyte* pq = q)
        fixed (float* ps = scales, py = y)
        {
            var (qp, sp, yp) = ((nint)pq, (nint)ps, (nint)py);
            ParallelRows.For(scales.Length, n, (r0, r1) =>
            {
                for (var r = r0; r < r1; r++)
                {
                    var offset = (long)r * n;
                    DecodeInt8Row(new ReadOnlySpan<sbyte>((sbyte*)qp + offset, n), ((float*)sp)[r], new Span<float>((float*)yp + offset, n));
                }
            });
        }
    }

    private static void ForChunks(int n, Action<int, int> body)
    {
        if (n < ParallelThreshold)
        {
            body(0, n);
            return;
        }
        Parallel.For(0, (n + ChunkSize - 1) / ChunkSize, CpuThreads.Options, c =>
        {
            var start = c * ChunkSize;
            body(start, Math.Min(ChunkSize, n - start));
        });
    }

    private static void EncodeBf16Range(ReadOnlySpan<float> x, Span<ushort> h)
    {
        ref var xr = ref Unsafe.As<float, uint>(ref MemoryMarshal.GetReference(x));
        ref var hr = ref MemoryMarshal.GetReference(h);
        var i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            for (; i <= h.Length - 2 * Vector256<uint>.Count; i += 2 * Vector256<uint>.Count)
            {
                var low = Bf16Lanes(Vector256.LoadUnsafe(ref xr, (nuint)i));
                var high = Bf16Lanes(Vector256.LoadUnsafe(ref xr, (nuint)(i + Vector256<uint>.Count)));
                Vector256.Narrow(low, high).StoreUnsafe(ref hr, (nuint)i);
            }
        }
        for (; i < h.Length; i++)
            h[i] = CodecMath.ToBf16(x[i]);
    }

    // CodecMath.ToBf16 lane-wise: the carry-rounded top half, or the quieted top half of a NaN.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<uint> Bf16Lanes(Vector256<uint> bits)
    {
        var rounded = Vector256.ShiftRightLogical(bits + Vector256.Create(0x7FFFu) + (Vector256.ShiftRightLogical(bits, 16) & Vector256<uint>.One), 16);
        var nan = Vector256.GreaterThan((bits & Vector256.Create(CodecMath.AbsMask)).AsInt32(), Vector256.Create((int)CodecMath.InfinityBits));
        return Vector256.ConditionalSelect(nan.AsUInt32(), Vector256.ShiftRightLogical(bits, 16) | Vector256.Create((uint)CodecMath.Bf16QuietBit), rounded);
    }

    private static void DecodeBf16Range(ReadOnlySpan<ushort> h, Span<float> y)
    {
        ref var hr = ref MemoryMarshal.GetReference(h);
        ref var yr = ref Unsafe.As<float, uint>(ref MemoryMarshal.GetReference(y));
        var i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            for (; i <= y.Length - Vector256<ushort>.Count; i += Vector256<ushort>.Count)
            {
                var (low, high) = Vector256.Widen(Vector256.LoadUnsafe(ref hr, (nuint)i));
                Vector256.ShiftLeft(low, 16).StoreUnsafe(ref yr, (nuint)i);
                Vector256.ShiftLeft(high, 16).StoreUnsafe(ref yr, (nuint)(i + Vector256<uint>.Count));
            }
        }
        for (; i < y.Length; i++)
            y[i] = CodecMath.FromBf16(h[i]);
    }

    /// <summary>Quantizes one row and returns its scale.</summary>
    private static float EncodeInt8Row(ReadOnlySpan<float> x, Span<sbyte> q)
    {
        ref var xr = ref MemoryMarshal.GetReference(x);
        ref var bits = ref Unsafe.As<float, int>(ref xr);
        var maxBits = 0;
        var i = 0;
        if (Vector256.IsHardwareAccelerated && x.Length >= Vector256<int>.Count)
        {
            var mask = Vector256.Create((int)CodecMath.AbsMask);
            var lanes = Vector256<int>.Zero;
            for (; i <= x.Length - Vector256<int>.Count; i += Vector256<int>.Count)
                lanes = Vector256.Max(lanes, Vector256.LoadUnsafe(ref bits, (nuint)i) & mask);
            for (var k = 0; k < Vector256<int>.Count; k++)
                maxBits = Math.Max(maxBits, lanes[k]);
        }
        for (; i < x.Length; i++)
            maxBits = Math.Max(maxBits, (int)(BitConverter.SingleToUInt32Bits(x[i]) & CodecMath.AbsMask));
        var scale = CodecMath.Int8Scale(maxBits);

        i = 0;
        if (!(scale > 0f))
        {
            q.Clear(); // CodecMath.ToInt8's rule for a zero or NaN scale
            return scale;
        }
        ref var qr = ref MemoryMarshal.GetReference(q);
        if (Vector256.IsHardwareAccelerated)
        {
            var s = Vector256.Create(scale);
            const int step = 4 * 8; // four float vectors narrow to one of 32 sbytes
            for (; i <= x.Length - step; i += step)
            {
                var a = Vector256.Narrow(Int8Lanes(ref xr, i, s), Int8Lanes(ref xr, i + 8, s));
                var b = Vector256.Narrow(Int8Lanes(ref xr, i + 16, s), Int8Lanes(ref xr, i + 24, s));
                Vector256.Narrow(a, b).StoreUnsafe(ref qr, (nuint)i);
            }
        }
        for (; i < x.Length; i++)
            q[i] = CodecMath.ToInt8(x[i], scale);
        return scale;
    }

    // CodecMath.ToInt8 lane-wise for a positive finite scale: divide, clamp, round half to even by the shift, convert (exact).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> Int8Lanes(ref float x, int i, Vector256<float> scale)
    {
        var t = Vector256.LoadUnsafe(ref x, (nuint)i) / scale;
        t = Vector256.Min(Vector256.Max(t, Vector256.Create(-CodecMath.Int8Max)), Vector256.Create(CodecMath.Int8Max));
        var shift = Vector256.Create(CodecMath.RoundingShift);
        return Vector256.ConvertToInt32(t + shift - shift);
    }

    private static void DecodeInt8Row(ReadOnlySpan<sbyte> q, float scale, Span<float> y)
    {
        ref var qr = ref MemoryMarshal.GetReference(q);
        ref var yr = ref MemoryMarshal.GetReference(y);
        var i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var s = Vector256.Create(scale);
            for (; i <= y.Length - Vector256<sbyte>.Count; i += Vector256<sbyte>.Count)
            {
                var (low, high) = Vector256.Widen(Vector256.LoadUnsafe(ref qr, (nuint)i));
                var (q0, q1) = Vector256.Widen(low);
                var (q2, q3) = Vector256.Widen(high);
                (Vector256.ConvertToSingle(q0) * s).StoreUnsafe(ref yr, (nuint)i);
                (Vector256.ConvertToSingle(q1) * s).StoreUnsafe(ref yr, (nuint)(i + 8));
                (Vector256.ConvertToSingle(q2) * s).StoreUnsafe(ref yr, (nuint)(i + 16));
                (Vector256.ConvertToSingle(q3) * s).StoreUnsafe(ref yr, (nuint)(i + 24));
            }
        }
        for (; i < y.Length; i++)
            y[i] = CodecMath.FromInt8(q[i], scale);
    }
}
