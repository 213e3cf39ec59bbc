using System.Text;

namespace CrsIlgpu.Model.Tests.Checkpoint;

/// <summary>--init: what loads, what is adapted, and one error line per problem.</summary>
public class InitCheckpointTests
{
    private static readonly VitConfig Tiny = new() { Name = "tiny-test", ImageSize = 8, PatchSize = 4, Dim = 8, Depth = 1, Heads = 2, MlpRatio = 2,
        NumClasses = 3 };

    [Fact]
    public void ACrsModelFolderLoadsExactly()
    {
        using var device = TestDevices.Create("cpu");
        using var source = new VisionTransformer(device, Tiny);
        source.Parameters.Initialize(1);
        var folder = Directory.CreateTempSubdirectory("crs-init-").FullName;
        ModelCheckpoint.Save(folder, source);

        using var target = new VisionTransformer(device, Tiny);
        target.Parameters.Initialize(2);
        var notes = InitCheckpoint.Apply(folder, Tiny, target.Parameters);

        Assert.Empty(notes);
        var want = source.Parameters.ValuesToHost();
        foreach (var (name, values) in target.Parameters.ValuesToHost())
            Assert.Equal(want[name], values);
    }

    [Fact]
    public void EveryProblemIsOneLineAndNothingIsLoaded()
    {
        using var device = TestDevices.Create("cpu");
        using var model = new VisionTransformer(device, Tiny);
        model.Parameters.Initialize(1);
        var tensors = model.Parameters.All
            .Where(p => p.Name != "norm.bias")
            .Select(p => p.Name == "blocks.0.mlp.fc1.weight" ? (p.Name, new[] { 5, 8 }, new float[40]) : (p.Name, p.Shape.Shape, new float[p.Value.Length]))
            .Append(("fc_norm.weight", new[] { 8 }, new float[8]))
            .ToList();
        var path = Path.Combine(Directory.CreateTempSubdirectory("crs-init-").FullName, "model.safetensors");
        SafetensorsFile.Write(path, tensors);
        var before = model.Parameters.ValuesToHost();

        var error = Assert.Throws<CrsException>(() => InitCheckpoint.Apply(path, Tiny, model.Parameters));

        var lines = error.Message.Split(Environment.NewLine);
        Assert.Contains("3 problem(s)", lines[0]);
        Assert.Equal(4, lines.Length);
        Assert.Contains(lines, l => l.Contains("unexpected tensor 'fc_norm.weight' [8]"));
        Assert.Contains(lines, l => l.Contains("missing 'norm.bias' [8]"));
        Assert.Contains(lines, l => l.Contains("'blocks.0.mlp.fc1.weight' has shape [5, 8], the model expects [16, 8]"));
        foreach (var (name, values) in model.Parameters.ValuesToHost())
            Assert.Equal(before[name], values); // all or nothing
    }

    [Fact]
    public void AnotherClassCountKeepsTheSeededHeadAndSaysSo()
    {
        using var device = TestDevices.Create("cpu");
        var source = Tiny with { NumClasses = 5 };
        using var other = new VisionTransformer(device, source);
        other.Parameters.Initialize(1);
        var folder = Directory.CreateTempSubdirectory("crs-init-").FullName;
        ModelCheckpoint.Save(folder, other);

        using var model = new VisionTransformer(device, Tiny);
        model.Parameters.Initialize(2);
        var head = model.Parameters["head.weight"].Value.ToArray();
        var notes = InitCheckpoint.Apply(folder, Tiny, model.Parameters);

        Assert.Equal("head re-initialised: the checkpoint has 5 classes, the model 3", Assert.Single(notes));
        Assert.Equal(head, model.Parameters["head.weight"].Value.ToArray());
        Assert.Equal(other.Parameters["blocks.0.attn.qkv.weight"].Value.ToArray(), model.Parameters["blocks.0.attn.qkv.weight"].Value.ToArray());
    }

    [Fact]
    public void ResamplingToTheSameGridIsTheIdentityAndUpsamplingKeepsTheClassToken()
    {
        var random = new Random(3);
        var pos = Enumerable.Range(0, (1 + 9) * 2).Select(_ => (float)random.NextDouble()).ToArray();
        Assert.Equal(pos, PosEmbedResample.Resample(pos, 2, 3, 3));
        var up = PosEmbedResample.Resample(pos, 2, 3, 5);
        Assert.Equal(pos[..2], up[..2]);
        Assert.Equal((1 + 25) * 2, up.Length);
        // A constant grid stays constant (the cubic weights sum to 1).
        var flat = Enumerable.Repeat(0.25f, (1 + 4) * 1).ToArray();
        Assert.All(PosEmbedResample.Resample(flat, 1, 2, 7), v => Assert.Equal(0.25f, v, 1e-6f));
    }

    [Fact]
    public void HalfPrecisionTensorsAreWidenedOnRead()
    {
        // 1.5 and −2 in F16 (0x3E00, 0xC000) and BF16 (0x3FC0, 0xC000).
        var path = Path.Combine(Directory.CreateTempSubdirectory("crs-init-").FullName, "half.safetensors");
        var header = Encoding.UTF8.GetBytes("""{"h":{"dtype":"F16","shape":[2],"data_offsets":[0,4]},"b":{"dtype":"BF16","shape":[2],"data_offsets":[4,8]}}""");
        using (var stream = File.Create(path))
        {
            stream.Write(BitConverter.GetBytes((ulong)header.Length));
            stream.Write(header);
            stream.Write([0x00, 0x3E, 0x00, 0xC0, 0xC0, 0x3F, 0x00, 0xC0]);
        }
        var tensors = SafetensorsFile.Read(path).Tensors;
        Assert.Equal([1.5f, -2f], tensors["h"].Data);
        Assert.Equal([1.5f, -2f], tensors["b"].Data);
        Assert.Equal("BF16", tensors["b"].DType);
    }

    [Fact]
    public void AMissingPathIsOneClearError()
    {
        var error = Assert.Throws<CrsException>(() => InitCheckpoint.WeightsFile("/nonexistent/model.safetensors"));
        Assert.Equal("--init /nonexistent/model.safetensors: no such file or folder", error.Message);
    }
}
