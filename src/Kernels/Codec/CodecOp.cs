using CrsIlgpu.Kernels.Reduction;
using CrsIlgpu.Kernels.Runtime.Memory;

namespace CrsIlgpu.Kernels.Codec;

/// <summary>
/// Entry points of the saved-tensor codecs: an fp32 tensor to a pooled <see cref="EncodedTensor"/>
/// (bf16, or int8 with one absmax scale per row of the last dimension) and back. Checks come before
/// any allocation or launch; a planning device allocates what a real run does and launches nothing.
/// </summary>
public static class CodecOp
{
    /// <summary>
    /// x (fp32, any shape, last dimension = row) → a new encoded tensor of <paramref name="precision"/>
    /// (bf16 or int8; fp32 is refused: there is nothing to encode) allocated with <paramref name="tag"/>
    /// and <paramref name="label"/> (x's label when null).
    /// </summary>
    public static EncodedTensor Encode(DeviceContext device, Tensor x, SavedPrecision precision, MemoryTag tag, string? label = null)
    {
        var name = EncodeName(precision);
        RowGroups.Shape(name, x);
        var encoded = new EncodedTensor(device.Pool, precision, tag, label ?? x.Label, x.Shape);
        try
        {
            EncodeInto(device, x, encoded);
        }
        catch
        {
            encoded.Dispose();
            throw;
        }
        return encoded;
    }

    /// <summary>Encodes x into an existing encoded tensor of x's shape (reuses its blocks).</summary>
    public static void EncodeInto(DeviceContext device, Tensor x, EncodedTensor into)
    {
        var name = EncodeName(into.Precision);
        OpCheck.That(name, x.Shape.SequenceEqual(into.Shape), $"'{x.Label}' {x.ShapeText} does not match '{into.Label}' {into.ShapeText}");
        var (rows, n) = RowGroups.Shape(name, x);
        if (device.IsPlanning || x.Length == 0)
            return; // an empty tensor: nothing to launch (CUDA rejects a zero grid)
        if (into.Precision == SavedPrecision.Bf16)
        {
            using var _ = device.Profiler.Launch(name, 0, 6.0 * x.Length); // integer work only: no flops
            if (device.Mode == ExecutionMode.Kernels)
                CodecKernels.LaunchBf16Encode(device, x.View, into.Bf16View);
            else
                CodecCpu.EncodeBf16(x.AsSpan(), into.Bf16Span());
        }
        else
        {
            // Per element: a division and a round (the max is integer work); 4 B read, 1 B written, a scale per row.
            using var _ = device.Profiler.Launch(name, 2.0 * x.Length, 5.0 * x.Length + 4.0 * rows);
            if (device.Mode == ExecutionMode.Kernels)
                CodecKernels.LaunchInt8Encode(device, x.View, into.Int8View, into.ScalesView, rows, n);
            else
                CodecCpu.EncodeInt8(x.AsSpan(), into.Int8Span(), into.ScalesSpan(), n);
        }
    }

    /// <summary><paramref name="encoded"/> → <paramref name="into"/> (fp32, the same number of elements; its shape is not checked).</summary>
    public static void Decode(DeviceContext device, EncodedTensor encoded, Tensor into)
    {
        var name = DecodeName(encoded.Precision);
        OpCheck.That(name, into.Length == encoded.Length,
            $"'{into.Label}' {into.ShapeText} holds {into.Length} values, '{encoded.Label}' {encoded.ShapeText} {encoded.Length}");
        OpCheck.That(name, into.Length <= int.MaxValue, $"'{into.Label}' {into.ShapeText} has more than 2^31-1 elements");
        if (device.IsPlanning || into.Length == 0)
            return;
        if (encoded.Precision == SavedPrecision.Bf16)
        {
            using var _ = device.Profiler.Launch(name, 0, 6.0 * into.Length);
            if (device.Mode == ExecutionMode.Kernels)
                CodecKernels.LaunchBf16Decode(device, encoded.Bf16View, into.View);
            else
                CodecCpu.DecodeBf16(encoded.Bf16Span(), into.AsSpan());
        }
        else
        {
            using var _ = device.Profiler.Launch(name, into.Length, 5.0 * into.Length + 4.0 * encoded.Rows);
            if (device.Mode == ExecutionMode.Kernels)
                CodecKernels.LaunchInt8Decode(device, encoded.Int8View, encoded.ScalesView, into.View, encoded.RowWidth);
            else
                CodecCpu.DecodeInt8(encoded.Int8Span(), encoded.ScalesSpan(), into.AsSpan(), encoded.RowWidth);
        }
    }

    /// <summary>The encode kernel's name (the profiler's and the catalog's); fp32 has none.</summary>
    public static string EncodeName(SavedPrecision precision) => precision switch
    {
        SavedPrecision.Bf16 => CodecKernels.Bf16EncodeName,
        SavedPrecision.Int8 => CodecKernels.Int8EncodeName,
        _ => throw new ArgumentException($"codec: {precision} has nothing to encode; keep the fp32 tensor itself", nameof(precision)),
    };

    public static string DecodeName(SavedPrecision precision) => precision switch
    {
        SavedPrecision.Bf16 => CodecKernels.Bf16DecodeName,
        SavedPrecision.Int8 => CodecKernels.Int8DecodeName,
        _ => throw new ArgumentException($"codec: {precision} is not encoded", nameof(precision)),
    };
}
