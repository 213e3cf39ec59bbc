using System.Runtime.InteropServices;
using CrsIlgpu.Kernels.Codec;
using CrsIlgpu.Kernels.Runtime.Memory;

namespace CrsIlgpu.Kernels.Bench;

/// <summary>
/// Bench cases of the saved-tensor codecs on the MLP hidden activation [batch·tokens, 4·dim] (GELU's
/// input: the widest tensor a block keeps, so int8 rows are as wide as they get), and the
/// `crs bench kernel codec_… --shape rows,cols` entries, checked bit for bit (tolerance 0) against
/// <see cref="CodecReference"/>: an encode by decoding its payload on the host, a decode by its output.
/// </summary>
public static class CodecBench
{
    public static IReadOnlyList<KernelBenchEntry> Entries { get; } =
    [
        new(CodecKernels.Bf16EncodeName, "rows,cols", (d, s) => Entry(d, s, SavedPrecision.Bf16, encode: true)),
        new(CodecKernels.Bf16DecodeName, "rows,cols", (d, s) => Entry(d, s, SavedPrecision.Bf16, encode: false)),
        new(CodecKernels.Int8EncodeName, "rows,cols", (d, s) => Entry(d, s, SavedPrecision.Int8, encode: true)),
        new(CodecKernels.Int8DecodeName, "rows,cols", (d, s) => Entry(d, s, SavedPrecision.Int8, encode: false)),
    ];

    public static IEnumerable<IOpBenchCase> Cases(DeviceContext device, OpBenchSize size)
    {
        int[] shape = [size.Rows, size.MlpRatio * size.Dim];
        foreach (var precision in new[] { SavedPrecision.Bf16, SavedPrecision.Int8 })
        {
            yield return Entry(device, shape, precision, encode: true);
            yield return Entry(device, shape, precision, encode: false);
        }
    }

    private static OpBenchCase Entry(DeviceContext device, IReadOnlyList<int> s, SavedPrecision precision, bool encode)
    {
        int rows = s[0], cols = s[1], n = rows * cols;
        var x = BenchData.Uniform(n, 1, 3f);
        var tx = BenchData.Tensor(device, x, rows, cols);
        var encoded = CodecOp.Encode(device, tx, precision, MemoryTag.Workspace, "bench.encoded");
        var ty = KernelBenchCases.Output(device, rows, cols);
        var payload = EncodedTensor.BytesPerElement(precision) * (double)n + (precision == SavedPrecision.Int8 ? 4.0 * rows : 0);
        var flops = precision == SavedPrecision.Bf16 ? 0 : encode ? 2.0 * n : n;
        var name = encode ? CodecOp.EncodeName(precision) : CodecOp.DecodeName(precision);
        Action run = encode ? () => CodecOp.EncodeInto(device, tx, encoded) : () => CodecOp.Decode(device, encoded, ty);
        Action reference = encode
            ? () => ReferenceEncode(x, precision, cols, out _, out _)
            : () => RoundTrip(x, precision, cols);
        return new OpBenchCase(name, KernelBenchCases.Text(s), flops, 4.0 * n + payload, run, reference, tx, encoded, ty)
        {
            Check = () =>
            {
                run();
                device.Synchronize();
                var actual = encode ? HostDecode(encoded, cols) : ty.ToArray();
                return KernelCheck.Compare(actual, RoundTrip(x, precision, cols), 0);
            },
        };
    }

    private static void ReferenceEncode(float[] x, SavedPrecision precision, int cols, out ushort[] bf16, out (sbyte[] Q, float[] Scales) int8)
    {
        bf16 = [];
        int8 = ([], []);
        if (precision == SavedPrecision.Bf16)
        {
            bf16 = new ushort[x.Length];
            CodecReference.EncodeBf16(x, bf16);
            return;
        }
        int8 = (new sbyte[x.Length], new float[x.Length / cols]);
        CodecReference.EncodeInt8(x, int8.Q, int8.Scales, cols);
    }

    private static float[] RoundTrip(float[] x, SavedPrecision precision, int cols)
    {
        ReferenceEncode(x, precision, cols, out var bf16, out var int8);
        var y = new float[x.Length];
        if (precision == SavedPrecision.Bf16)
            CodecReference.DecodeBf16(bf16, y);
        else
            CodecReference.DecodeInt8(int8.Q, int8.Scales, y, cols);
        return y;
    }

    /// <summary>The device's payload decoded by the reference: equal floats mean equal bytes (both decodes are one-to-one for finite rows).</summary>
    private static float[] HostDecode(EncodedTensor encoded, int cols)
    {
        var bytes = encoded.PayloadToArray();
        var y = new float[encoded.Length];
        if (encoded.Precision == SavedPrecision.Bf16)
            CodecReference.DecodeBf16(MemoryMarshal.Cast<byte, ushort>(bytes), y);
        else
            CodecReference.DecodeInt8(MemoryMarshal.Cast<byte, sbyte>(bytes), encoded.ScalesToArray(), y, cols);
        return y;
    }
}
