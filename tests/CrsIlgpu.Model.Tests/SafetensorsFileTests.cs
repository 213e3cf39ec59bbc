using System.Buffers.Binary;
using System.Text;
using System.Text.Json;

namespace CrsIlgpu.Model.Tests;

public class SafetensorsFileTests
{
    private static string TempFile() => Path.Combine(Directory.CreateTempSubdirectory("crs-st-").FullName, "model.safetensors");

    [Fact]
    public void RoundTripKeepsNamesShapesAndValues()
    {
        var path = TempFile();
        float[] a = [1f, -2.5f, 3.25f, float.Epsilon, -0f, 1e30f];
        float[] b = [42f];
        SafetensorsFile.Write(path, [("blocks.0.attn.qkv.weight", [2, 3], a), ("cls_token", [1, 1, 1], b)], new Dictionary<string,
            string> { ["format"] = "pt" });

        var content = SafetensorsFile.Read(path);
        Assert.Equal(a, content.Tensors["blocks.0.attn.qkv.weight"].Data);
        Assert.Equal([2, 3], content.Tensors["blocks.0.attn.qkv.weight"].Shape);
        Assert.Equal(b, content.Tensors["cls_token"].Data);
        Assert.Equal("F32", content.Tensors["cls_token"].DType);
        Assert.Equal("pt", content.Metadata["format"]);
    }

    [Fact]
    public void LayoutIsTheSafetensorsSpec()
    {
        var path = TempFile();
        SafetensorsFile.Write(path, [("w", [2], [1f, 2f])]);
        var bytes = File.ReadAllBytes(path);
        var headerLength = (int)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        Assert.Equal(0, headerLength % 8);
        using var header = JsonDocument.Parse(Encoding.UTF8.GetString(bytes, 8, headerLength).TrimEnd());
        var w = header.RootElement.GetProperty("w");
        Assert.Equal("F32", w.GetProperty("dtype").GetString());
        Assert.Equal([0L, 8L], w.GetProperty("data_offsets").EnumerateArray().Select(e => e.GetInt64()));
        Assert.Equal(8 + headerLength + 8, bytes.Length);
        Assert.Equal(2f, BitConverter.ToSingle(bytes, 8 + headerLength + 4));
    }

    [Fact]
    public void TruncatedFileIsAClearError()
    {
        var path = TempFile();
        SafetensorsFile.Write(path, [("w", [4], [1f, 2f, 3f, 4f])]);
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..^4]);
        var ex = Assert.Throws<CrsException>(() => SafetensorsFile.Read(path));
        Assert.Contains(path, ex.Message);
        Assert.Contains("'w'", ex.Message);
    }

    [Fact]
    public void GarbageIsAClearError()
    {
        var path = TempFile();
        File.WriteAllBytes(path, [1, 2, 3]);
        Assert.Contains("not a safetensors file", Assert.Throws<CrsException>(() => SafetensorsFile.Read(path)).Message);
        File.WriteAllBytes(path, [255, 255, 0, 0, 0, 0, 0, 0, 1, 2]);
        Assert.Contains("runs past the end", Assert.Throws<CrsException>(() => SafetensorsFile.Read(path)).Message);
    }
}
