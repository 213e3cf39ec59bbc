using CrsIlgpu.Kernels.Reduction;
using ILGPU.Runtime;

namespace CrsIlgpu.Kernels.Codec;

/// <summary>
/// Saved-tensor codec kernels (rules in <see cref="CodecMath"/>). bf16 both ways and int8 decode are
/// element-wise, one thread per element, storing 2- or 1-byte elements directly (st.global.u16/.s8:
/// neighbouring threads write neighbouring bytes, which CUDA and the CPU accelerator both allow).
/// int8 encode is one group per row: a max over the row's |x| bit patterns through
/// <see cref="GroupReduce"/>, then each thread quantizes the elements it read. Its float work is one
/// division per row, and per element a division, compares and the add/subtract that rounds: no
/// multiply at all, so no multiply-add for ptxas to contract into an FMA.
/// </summary>
public static class CodecKernels
{
    public const string Bf16EncodeName = "codec_bf16_encode";
    public const string Bf16DecodeName = "codec_bf16_decode";
    public const string Int8EncodeName = "codec_int8_encode";
    public const string Int8DecodeName = "codec_int8_decode";

    public static IReadOnlyList<KernelEntry> Catalog { get; } = KernelEntry.CatalogOf(typeof(CodecKernels), "Codec",
    [
        (Bf16EncodeName, nameof(CodecBf16Encode), KernelGrouping.Implicit, "fp32 -> bf16, round to nearest even, NaN kept quiet"),
        (Bf16DecodeName, nameof(CodecBf16Decode), KernelGrouping.Implicit, "bf16 -> fp32, exact"),
        (Int8EncodeName, nameof(CodecInt8EncodeRows), KernelGrouping.Explicit, "fp32 -> int8 with a per-row absmax scale, one group per row"),
        (Int8DecodeName, nameof(CodecInt8Decode), KernelGrouping.Implicit, "int8 -> fp32: q * scale of its row"),
    ]);

    internal static void CodecBf16Encode(Index1D i, ArrayView<float> x, ArrayView<ushort> h) => h[i] = CodecMath.ToBf16(x[i]);

    internal static void CodecBf16Decode(Index1D i, ArrayView<ushort> h, ArrayView<float> y) => y[i] = CodecMath.FromBf16(h[i]);

    internal static void CodecInt8EncodeRows(ArrayView<float> x, ArrayView<sbyte> q, ArrayView<float> scales, int n)
    {
        var start = Grid.IdxX * n;
        var maxBits = 0;
        for (var j = Group.IdxX; j < n; j += Group.DimX)
            maxBits = IntrinsicMath.Max(maxBits, (int)(Interop.FloatAsInt(x[start + j]) & CodecMath.AbsMask));
        var scale = CodecMath.Int8Scale(GroupReduce.Max(maxBits));
        if (Group.IdxX == 0)
            scales[Grid.IdxX] = scale;
        for (var j = Group.IdxX; j < n; j += Group.DimX)
            q[start + j] = CodecMath.ToInt8(x[start + j], scale);
    }

    internal static void CodecInt8Decode(Index1D i, ArrayView<sbyte> q, ArrayView<float> scales, ArrayView<float> y, int n) =>
        y[i] = CodecMath.FromInt8(q[i], scales[i / n]);

    public static void LaunchBf16Encode(DeviceContext device, ArrayView<float> x, ArrayView<ushort> h) =>
        device.Kernel(Bf16EncodeName, acc => acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<ushort>>(CodecBf16Encode))
            ((int)h.Length, x, h);

    public static void LaunchBf16Decode(DeviceContext device, ArrayView<ushort> h, ArrayView<float> y) =>
        device.Kernel(Bf16DecodeName, acc => acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<ushort>, ArrayView<float>>(CodecBf16Decode))
            ((int)y.Length, h, y);

    /// <summary>q and the row scales of <paramref name="rows"/> rows of <paramref name="n"/>; group size automatic unless given (any size works).</summary>
    public static void LaunchInt8Encode(DeviceContext device, ArrayView<float> x, ArrayView<sbyte> q, ArrayView<float> scales, int rows, int n,
        int? groupSize = null)
    {
        if (rows == 0 || n == 0)
            return;
        var group = RowGroups.Resolve(Int8EncodeName, device.Accelerator, n, groupSize);
        device.Kernel(Int8EncodeName, acc => acc.LoadStreamKernel<ArrayView<float>, ArrayView<sbyte>, ArrayView<float>, int>(CodecInt8EncodeRows))
            (new KernelConfig(rows, group), x, q, scales, n);
    }

    public static void LaunchInt8Decode(DeviceContext device, ArrayView<sbyte> q, ArrayView<float> scales, ArrayView<float> y, int n)
    {
        if (y.Length == 0)
            return;
        device.Kernel(Int8DecodeName, acc => acc.LoadAutoGroupedStreamKernel<
                Index1D, ArrayView<sbyte>, ArrayView<float>, ArrayView<float>, int>(CodecInt8Decode))
            ((int)y.Length, q, scales, y, n);
    }
}
