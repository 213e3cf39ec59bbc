using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace CrsIlgpu.Model.Checkpoint;

/// <summary>
/// The safetensors format (what PyTorch, timm and Hugging Face read): an 8-byte little-endian
/// header length, a JSON header mapping each name to dtype, shape and byte offsets, then the raw
/// little-endian data. Only F32 tensors are written; reading widens F16/BF16 to float and checks what the file claims.
/// </summary>
public static class SafetensorsFile
{
    public static void Write(string path, IReadOnlyList<(string Name, int[] Shape, float[] Data)> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var header = new JsonObject();
        if (metadata is { Count: > 0 })
            header["__metadata__"] = new JsonObject(metadata.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)JsonValue.Create(kv.Value))));
        long offset = 0;
        foreach (var (name, shape, data) in tensors)
        {
            if (shape.Aggregate(1L, (a, d) => a * d) != data.Length)
                throw new ArgumentException($"safetensors: '{name}' has {data.Length} values but shape [{string.Join(", ", shape)}]");
            var bytes = (long)data.Length * sizeof(float);
            header[name] = new JsonObject
            {
                ["dtype"] = "F32",
                ["shape"] = new JsonArray(shape.Select(d => (JsonNode?)JsonValue.Create(d)).ToArray()),
                ["data_offsets"] = new JsonArray(offset, offset + bytes),
            };
            offset += bytes;
        }

        var headerBytes = Encoding.UTF8.GetBytes(header.ToJsonString());
        var padded = (headerBytes.Length + 7) / 8 * 8; // the reference writer aligns data to 8 bytes with spaces
        // Through a temporary, an fsync and a rename: a checkpoint's weights are never half written.
        AtomicFile.Write(path, stream =>
        {
            Span<byte> length = stackalloc byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)padded);
            stream.Write(length);
            stream.Write(headerBytes);
            for (var i = headerBytes.Length; i < padded; i++)
                stream.WriteByte((byte)' ');
            foreach (var (_, _, data) in tensors)
                stream.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(data.AsSpan()));
        });
    }

    /// <summary>Reads every tensor; a malformed file gives a <see cref="CrsException"/> naming the file and what is wrong.</summary>
    public static SafetensorsContent Read(string path)
    {
        if (!File.Exists(path))
            throw new CrsException($"{path}: file not found");
        var bytes = File.ReadAllBytes(path);
        if (bytes.Length < 8)
            throw new CrsException($"{path}: not a safetensors file (shorter than its 8-byte header length)");
        var headerLength = BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        if (headerLength > (ulong)(bytes.Length - 8))
            throw new CrsException($"{path}: header length {headerLength} runs past the end of the {bytes.Length}-byte file");
        JsonObject header;
        try
        {
            header = JsonNode.Parse(bytes.AsSpan(8, (int)headerLength))?.AsObject()
                ?? throw new CrsException($"{path}: empty header");
        }
        catch (JsonException ex)
        {
            throw new CrsException($"{path}: header is not valid JSON ({ex.Message})");
        }

        var dataStart = 8 + (long)headerLength;
        var tensors = new Dictionary<string, SafetensorsTensor>();
        var metadata = new Dictionary<string, string>();
        foreach (var (name, node) in header)
        {
            if (name == "__metadata__")
            {
                foreach (var (k, v) in node!.AsObject())
                    metadata[k] = v?.GetValue<string>() ?? "";
                continue;
            }
            var entry = node!.AsObject();
            var dtype = entry["dtype"]?.GetValue<string>() ?? "?";
            var shape = entry["shape"]!.AsArray().Select(d => d!.GetValue<int>()).ToArray();
            var offsets = entry["data_offsets"]!.AsArray().Select(d => d!.GetValue<long>()).ToArray();
            if (offsets.Length != 2 || offsets[0] < 0 || offsets[1] < offsets[0] || dataStart + offsets[1] > bytes.Length)
                throw new CrsException($"{path}: tensor '{name}' has data offsets [{string.Join(", ", offsets)}] outside the file");
            float[] data = [];
            if (FloatWidth(dtype) is { } width)
            {
                var count = shape.Aggregate(1L, (a, d) => a * d);
                if ((offsets[1] - offsets[0]) != count * width)
                    throw new CrsException($"{path}: tensor '{name}' shape [{string.Join(", ", shape)}] {dtype} " +
                        $"needs {count * width} bytes, offsets give {offsets[1] - offsets[0]}");
                data = ToFloats(bytes.AsSpan((int)(dataStart + offsets[0]), (int)(count * width)), dtype);
            }
            tensors[name] = new SafetensorsTensor(name, dtype, shape, data);
        }
        return new SafetensorsContent(tensors, metadata);
    }

    /// <summary>Bytes per value of the floating dtypes read into <see cref="SafetensorsTensor.Data"/>:
    /// F32, and F16/BF16 (half-precision checkpoints, widened on load).</summary>
    private static int? FloatWidth(string dtype) => dtype switch
    {
        "F32" => 4,
        "F16" or "BF16" => 2,
        _ => null,
    };

    private static float[] ToFloats(ReadOnlySpan<byte> raw, string dtype)
    {
        if (dtype == "F32")
            return System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(raw).ToArray();
        var data = new float[raw.Length / 2];
        for (var i = 0; i < data.Length; i++)
        {
            var bits = BinaryPrimitives.ReadUInt16LittleEndian(raw[(2 * i)..]);
            // BF16 is the upper half of an F32; F16 widens exactly through System.Half.
            data[i] = dtype == "BF16" ? BitConverter.Int32BitsToSingle(bits << 16) : (float)BitConverter.UInt16BitsToHalf(bits);
        }
        return data;
    }
}

/// <summary>Everything read from a safetensors file: tensors by name and the string metadata.</summary>
public sealed record SafetensorsContent(IReadOnlyDictionary<string, SafetensorsTensor> Tensors, IReadOnlyDictionary<string, string> Metadata);

/// <summary>One tensor read from a safetensors file; <see cref="Data"/> is filled for F32, F16 and BF16
/// (widened to float; <see cref="DType"/> stays the file's).</summary>
public sealed record SafetensorsTensor(string Name, string DType, int[] Shape, float[] Data);
