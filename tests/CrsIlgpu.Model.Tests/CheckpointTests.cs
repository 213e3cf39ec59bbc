using System.Buffers.Binary;
using System.Text;
using System.Text.Json.Nodes;
using CrsIlgpu.Kernels.Loss;

namespace CrsIlgpu.Model.Tests;

public class CheckpointTests
{
    private static readonly VitConfig Tiny = new()
    {
        Name = "checkpoint-tiny", ImageSize = 8, PatchSize = 4, Channels = 3, Dim = 8, Depth = 2, Heads = 2, NumClasses = 5,
    };

    private static string TempFolder() => Path.Combine(Directory.CreateTempSubdirectory("crs-ckpt-").FullName, "checkpoint");

    /// <summary>A saved checkpoint of <see cref="Tiny"/> with values away from init (biases non-zero), and those values.</summary>
    private static (string Folder, Dictionary<string, float[]> Values) SavedTiny(VitConfig? config = null)
    {
        config ??= Tiny;
        var folder = TempFolder();
        using var device = TestDevices.Create("cpu");
        using var model = new VisionTransformer(device, config);
        var random = new Random(17);
        foreach (var p in model.Parameters.All)
            p.Value.CopyFrom(Enumerable.Range(0, (int)p.Shape.Length).Select(_ => (float)(random.NextDouble() - 0.5)).ToArray());
        ModelCheckpoint.Save(folder, model);
        return (folder, model.Parameters.ValuesToHost());
    }

    /// <summary>The saved tensors, for rewriting a checkpoint with one thing wrong.</summary>
    private static List<(string Name, int[] Shape, float[] Data)> SavedTensors(string folder) =>
        SafetensorsFile.Read(ModelCheckpoint.WeightsPath(folder)).Tensors.Values.Select(t => (t.Name, t.Shape, t.Data)).ToList();

    private static CrsException LoadFails(string folder)
    {
        using var device = TestDevices.Create("cpu");
        return Assert.Throws<CrsException>(() => ModelCheckpoint.Load(folder, device).Dispose());
    }

    private static float[] Logits(VisionTransformer model, DeviceContext device)
    {
        const int batch = 3;
        var random = new Random(4);
        var c = model.Config;
        using var images = new Tensor(device.Pool, MemoryTag.Activations, "images", batch, c.Channels, c.ImageSize, c.ImageSize);
        images.CopyFrom(Enumerable.Range(0, (int)images.Length).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray());
        using var labels = new IntTensor(device.Pool, batch);
        labels.CopyFrom([0, 3, 1]);
        var logits = new float[batch * c.NumClasses];
        model.ForwardBackward(images, labels, 0.1f, logits);
        return logits;
    }

    [Theory]
    [KernelPath]
    [MemberData(nameof(TestDevices.Names), MemberType = typeof(TestDevices))]
    public void RoundTripGivesIdenticalParametersAndLogits(string deviceName)
    {
        var (folder, values) = SavedTiny();
        using var lease = SharedTestDevices.Lease(deviceName); // one context per collection on CUDA: nothing here needs a fresh one
        var device = lease.Device;
        using var original = new VisionTransformer(device, Tiny);
        foreach (var p in original.Parameters.All)
            p.Value.CopyFrom(values[p.Name]);

        using var loaded = ModelCheckpoint.Load(folder, device);

        Assert.Equal(Tiny, loaded.Config);
        var loadedValues = loaded.Parameters.ValuesToHost();
        Assert.Equal(values.Keys.Order(), loadedValues.Keys.Order());
        foreach (var (name, data) in values)
            Assert.Equal(data, loadedValues[name]);
        Assert.Equal(Logits(original, device), Logits(loaded, device)); // bit-identical: same weights, same kernels
    }

    [Fact]
    public void SaveWritesTimmNamesF32PtMetadataAndTheConfigWithNoTempFilesLeft()
    {
        var (folder, _) = SavedTiny();
        var content = SafetensorsFile.Read(ModelCheckpoint.WeightsPath(folder));
        Assert.Equal("pt", content.Metadata["format"]);
        Assert.Equal(VitParameterLayout.For(Tiny).Select(p => p.Name).Order(), content.Tensors.Keys.Order());
        Assert.All(content.Tensors.Values, t => Assert.Equal("F32", t.DType));
        Assert.Equal([1, 5, 8], content.Tensors["pos_embed"].Shape);
        Assert.Equal(Tiny.ToJson(), File.ReadAllText(ModelCheckpoint.ConfigPath(folder)));
        Assert.Equal([ModelCheckpoint.ConfigFileName, ModelCheckpoint.WeightsFileName],
            Directory.GetFiles(folder).Select(Path.GetFileName).Order());
    }

    [Fact]
    public void SaveOverwritesAnExistingCheckpoint()
    {
        var (folder, _) = SavedTiny();
        using var device = TestDevices.Create("cpu");
        using var model = new VisionTransformer(device, Tiny);
        model.Parameters.Initialize(seed: 2);
        ModelCheckpoint.Save(folder, model);
        using var loaded = ModelCheckpoint.Load(folder, device);
        Assert.Equal(model.Parameters.ValuesToHost()["head.weight"], loaded.Parameters.ValuesToHost()["head.weight"]);
    }

    [Fact]
    public void LoadIntoAnExistingModelOrStore()
    {
        var (folder, values) = SavedTiny();
        using var device = TestDevices.Create("cpu");
        using var model = new VisionTransformer(device, Tiny with { Name = "another-name" }); // the name is descriptive only
        ModelCheckpoint.LoadInto(folder, model);
        Assert.Equal(values["blocks.1.mlp.fc2.weight"], model.Parameters.ValuesToHost()["blocks.1.mlp.fc2.weight"]);

        using var store = new ParameterStore(device, VitParameterLayout.For(Tiny));
        ModelCheckpoint.LoadWeights(folder, store);
        Assert.Equal(values["cls_token"], store.ValuesToHost()["cls_token"]);
    }

    [Fact]
    public void WrongShapeNamesTheTensor()
    {
        var (folder, _) = SavedTiny();
        var tensors = SavedTensors(folder);
        var i = tensors.FindIndex(t => t.Name == "blocks.1.attn.qkv.weight");
        tensors[i] = (tensors[i].Name, [8, 24], tensors[i].Data); // transposed: same count, wrong layout
        SafetensorsFile.Write(ModelCheckpoint.WeightsPath(folder), tensors);

        var message = LoadFails(folder).Message;
        Assert.Contains(ModelCheckpoint.WeightsPath(folder), message);
        Assert.Contains("'blocks.1.attn.qkv.weight' has shape [8, 24]", message);
        Assert.Contains("[24, 8]", message);
    }

    [Fact]
    public void MissingTensorIsNamed()
    {
        var (folder, _) = SavedTiny();
        SafetensorsFile.Write(ModelCheckpoint.WeightsPath(folder), SavedTensors(folder).Where(t => t.Name != "blocks.0.norm2.bias").ToList());
        var message = LoadFails(folder).Message;
        Assert.Contains("missing parameter(s) blocks.0.norm2.bias", message);
        Assert.Contains(ModelCheckpoint.WeightsPath(folder), message);
    }

    [Fact]
    public void ExtraTensorIsNamed()
    {
        var (folder, _) = SavedTiny();
        var tensors = SavedTensors(folder);
        tensors.Add(("fc_norm.weight", [8], new float[8]));
        SafetensorsFile.Write(ModelCheckpoint.WeightsPath(folder), tensors);
        var message = LoadFails(folder).Message;
        Assert.Contains("unexpected tensor(s) fc_norm.weight", message);
    }

    [Fact]
    public void F16TensorIsNamedWithItsDtype()
    {
        var (folder, _) = SavedTiny();
        var tensors = SavedTensors(folder);
        WriteRaw(ModelCheckpoint.WeightsPath(folder), tensors.Select(t => t.Name == "norm.weight"
            ? (t.Name, "F16", t.Shape, t.Data.SelectMany(v => BitConverter.GetBytes((Half)v)).ToArray())
            : (t.Name, "F32", t.Shape, t.Data.SelectMany(BitConverter.GetBytes).ToArray())).ToList());

        // The file itself is valid safetensors; the checkpoint loader refuses the dtype.
        Assert.Equal("F16", SafetensorsFile.Read(ModelCheckpoint.WeightsPath(folder)).Tensors["norm.weight"].DType);
        var message = LoadFails(folder).Message;
        Assert.Contains("'norm.weight' has dtype F16, expected F32", message);
    }

    [Fact]
    public void TruncatedWeightsAreAClearError()
    {
        var (folder, _) = SavedTiny();
        var path = ModelCheckpoint.WeightsPath(folder);
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..(bytes.Length - 100)]);
        var message = LoadFails(folder).Message;
        Assert.Contains(path, message);
        Assert.Contains("outside the file", message); // the last tensors' data offsets run past the end

        File.WriteAllBytes(path, bytes[..20]); // cut inside the header
        Assert.Contains("runs past the end", LoadFails(folder).Message);
    }

    [Fact]
    public void MissingOrInvalidConfigNamesTheFile()
    {
        var (folder, _) = SavedTiny();
        var config = ModelCheckpoint.ConfigPath(folder);
        File.Delete(config);
        var message = LoadFails(folder).Message;
        Assert.Contains(config, message);
        Assert.Contains("not found", message);

        File.WriteAllText(config, "{ \"depth\": ");
        message = LoadFails(folder).Message;
        Assert.Contains(config, message);
        Assert.Contains("invalid model config", message);

        File.WriteAllText(config, Tiny.ToJson().Replace("\"heads\": 2", "\"heads\": 3"));
        Assert.Contains("dim 8 must be a positive multiple of heads 3", LoadFails(folder).Message);

        Assert.Contains("checkpoint folder not found", LoadFails(Path.Combine(folder, "nope")).Message);
    }

    [Fact]
    public void MissingWeightsFileIsNamed()
    {
        var (folder, _) = SavedTiny();
        File.Delete(ModelCheckpoint.WeightsPath(folder));
        Assert.Contains($"{ModelCheckpoint.WeightsPath(folder)}: file not found", LoadFails(folder).Message);
    }

    [Fact]
    public void ConfigMismatchIsReported()
    {
        var (folder, _) = SavedTiny(); // depth 2
        using var device = TestDevices.Create("cpu");
        using var deeper = new VisionTransformer(device, Tiny with { Depth = 3, NumClasses = 7 });
        var message = Assert.Throws<CrsException>(() => ModelCheckpoint.LoadInto(folder, deeper)).Message;
        Assert.Contains(ModelCheckpoint.ConfigPath(folder), message);
        Assert.Contains("depth: checkpoint 2, model 3", message);
        Assert.Contains("num_classes: checkpoint 5, model 7", message);

        // Bypassing the config, the tensors themselves still disagree, and the error names them.
        using var store = new ParameterStore(device, VitParameterLayout.For(Tiny with { Depth = 3 }));
        message = Assert.Throws<CrsException>(() => ModelCheckpoint.LoadWeights(folder, store)).Message;
        Assert.Contains("missing parameter(s) blocks.2.norm1.weight", message);
    }

    /// <summary>A safetensors file with any dtype per tensor (SafetensorsFile writes F32 only).</summary>
    private static void WriteRaw(string path, IReadOnlyList<(string Name, string DType, int[] Shape, byte[] Data)> tensors)
    {
        var header = new JsonObject { ["__metadata__"] = new JsonObject { ["format"] = "pt" } };
        long offset = 0;
        foreach (var (name, dtype, shape, data) in tensors)
        {
            header[name] = new JsonObject
            {
                ["dtype"] = dtype,
                ["shape"] = new JsonArray(shape.Select(d => (JsonNode?)d).ToArray()),
                ["data_offsets"] = new JsonArray(offset, offset + data.Length),
            };
            offset += data.Length;
        }
        var headerBytes = Encoding.UTF8.GetBytes(header.ToJsonString());
        using var stream = File.Create(path);
        var length = new byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)headerBytes.Length);
        stream.Write(length);
        stream.Write(headerBytes);
        foreach (var t in tensors)
            stream.Write(t.Data);
    }
}
