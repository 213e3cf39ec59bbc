using System.Runtime.InteropServices;
using CrsIlgpu.Kernels.Codec;
using CrsIlgpu.Kernels.Runtime.Memory;

namespace CrsIlgpu.Kernels.Tests.Codec;

/// <summary>What one implementation of a codec produced from x: payload bytes, int8 scales as bits, and the decoded values as bits.</summary>
internal sealed record CodecRun(byte[] Payload, int[] ScaleBits, int[] DecodedBits)
{
    public float[] Decoded { get; } = DecodedBits.Select(BitConverter.Int32BitsToSingle).ToArray();

    public float[] Scales { get; } = ScaleBits.Select(BitConverter.Int32BitsToSingle).ToArray();

    /// <summary>Encode then decode x of <paramref name="shape"/> on a device through <see cref="CodecOp"/>.</summary>
    public static CodecRun OnDevice(DeviceContext device, float[] x, SavedPrecision precision, params int[] shape)
    {
        using var tx = TestData.Tensor(device, x, shape);
        using var encoded = CodecOp.Encode(device, tx, precision, MemoryTag.SavedForBackward, "x");
        using var ty = TestData.Tensor(device, new float[x.Length], shape);
        CodecOp.Decode(device, encoded, ty);
        device.Synchronize();
        return new CodecRun(encoded.PayloadToArray(), Bits(encoded.ScalesToArray()), Bits(ty.ToArray()));
    }

    /// <summary>The same through <see cref="CodecReference"/>.</summary>
    public static CodecRun Reference(float[] x, SavedPrecision precision, int rowWidth)
    {
        var y = new float[x.Length];
        if (precision == SavedPrecision.Bf16)
        {
            var h = new ushort[x.Length];
            CodecReference.EncodeBf16(x, h);
            CodecReference.DecodeBf16(h, y);
            return new CodecRun(MemoryMarshal.AsBytes<ushort>(h).ToArray(), [], Bits(y));
        }
        var rows = rowWidth == 0 ? 0 : x.Length / rowWidth;
        var q = new sbyte[x.Length];
        var scales = new float[rows];
        CodecReference.EncodeInt8(x, q, scales, rowWidth);
        CodecReference.DecodeInt8(q, scales, y, rowWidth);
        return new CodecRun(MemoryMarshal.AsBytes<sbyte>(q).ToArray(), Bits(scales), Bits(y));
    }

    public static int[] Bits(float[] values) => values.Select(BitConverter.SingleToInt32Bits).ToArray();

    /// <summary>2^-126, the smallest normal float.</summary>
    public static readonly float MinNormal = FromBits(0x00800000);

    public static float FromBits(uint bits) => BitConverter.UInt32BitsToSingle(bits);
}
