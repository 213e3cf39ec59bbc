using System.Globalization;

namespace CrsIlgpu.Model.Tests;

public class GoldenInputsTests
{
    /// <summary>
    /// The one place the committed golden inputs come from. With CRS_WRITE_GOLDEN=1 it (re)writes
    /// tests/golden/vit-golden/; otherwise it checks the committed files are what the generator
    /// produces, so a change here cannot silently leave a stale expected.safetensors behind.
    /// </summary>
    [Fact]
    public void CommittedInputsAreWhatTheGeneratorWrites()
    {
        if (Environment.GetEnvironmentVariable("CRS_WRITE_GOLDEN") == "1")
        {
            GoldenInputs.Write(GoldenInputs.Folder);
            TestContext.Current.SendDiagnosticMessage($"wrote {GoldenInputs.Folder}");
        }

        Assert.True(File.Exists(ModelCheckpoint.ConfigPath(GoldenInputs.Folder)),
            $"{GoldenInputs.Folder} is missing: run the model tests once with CRS_WRITE_GOLDEN=1");
        var fresh = Directory.CreateTempSubdirectory("crs-golden-").FullName;
        GoldenInputs.Write(fresh);
        var committed = GoldenInputs.Read(GoldenInputs.Folder);
        var generated = GoldenInputs.Read(fresh);

        Assert.Equal(File.ReadAllText(ModelCheckpoint.ConfigPath(fresh)), File.ReadAllText(ModelCheckpoint.ConfigPath(GoldenInputs.Folder)));
        Assert.Equal(generated.Labels, committed.Labels);
        Assert.Equal(generated.LabelSmoothing, committed.LabelSmoothing);
        // Values come from System.Random and Math.Log/Cos; allow an ulp of platform difference, no more.
        AssertSame("images", generated.Images, committed.Images);
        foreach (var (name, values) in generated.Parameters)
            AssertSame(name, values, committed.Parameters[name]);
        Assert.Equal(generated.Parameters.Keys.Order(), committed.Parameters.Keys.Order());
    }

    [Fact]
    public void InputsAreSmallAndAwayFromInit()
    {
        var golden = GoldenInputs.Read(GoldenInputs.Folder);
        Assert.Equal(GoldenInputs.Config, golden.Config);
        Assert.Equal(GoldenInputs.Batch, golden.Labels.Length);
        Assert.All(golden.Labels, l => Assert.InRange(l, 0, golden.Config.NumClasses - 1));
        Assert.InRange(new FileInfo(ModelCheckpoint.WeightsPath(GoldenInputs.Folder)).Length, 1, 200_000);
        // Every bias non-zero and every LayerNorm gain off 1: each path carries gradient a wrong index would change.
        Assert.All(golden.Parameters.Where(p => p.Key.EndsWith(".bias", StringComparison.Ordinal)), p => Assert.Contains(p.Value, v => Math.Abs(v) > 0.05f));
        Assert.Contains(golden.Parameters["blocks.1.norm2.weight"], v => Math.Abs(v - 1f) > 0.1f);
        var (forward, _) = VitReference.ForwardBackward(golden.Config, ReferenceParameters.FromFloats(golden.Config, golden.Parameters),
            golden.Images.Select(v => (double)v).ToArray(), golden.Labels, golden.LabelSmoothing);
        // Far from the uniform-prediction loss ln 10 = 2.303: the logits are not all alike.
        Assert.True(Math.Abs(forward.Loss - Math.Log(10)) > 0.1, $"loss {forward.Loss}");
    }

    private static void AssertSame(string name, float[] want, float[] got)
    {
        Assert.Equal(want.Length, got.Length);
        for (var i = 0; i < want.Length; i++)
            Assert.True(Math.Abs(want[i] - got[i]) <= 1e-6f * Math.Max(1f, Math.Abs(want[i])), $"{name}[{i}]: generator {want[i]}, committed {got[i]}");
    }
}

/// <summary>
/// The golden test's inputs (llm.c's test_gpt2 idea): a small but complete ViT config, parameters
/// from timm's init pushed well away from it, and a seeded batch, stored as a checkpoint folder plus
/// batch.safetensors that tools/reference/vit_reference.py reads to produce expected.safetensors.
/// </summary>
internal static class GoldenInputs
{
    public const string BatchFileName = "batch.safetensors";
    public const string ExpectedFileName = "expected.safetensors";
    public const int Batch = 4;
    public const float Smoothing = 0.1f;
    private const int Seed = 2024;

    public static VitConfig Config => new()
    {
        Name = "vit-golden", ImageSize = 32, PatchSize = 8, Channels = 3, Dim = 32, Depth = 2, Heads = 2, MlpRatio = 4, NumClasses = 10,
    };

    public static string Folder => Path.Combine(RepositoryRoot.Path, "tests", "golden", "vit-golden");

    public sealed record Case(VitConfig Config, Dictionary<string, float[]> Parameters, float[] Images, int[] Labels, float LabelSmoothing);

    public static void Write(string folder)
    {
        var config = Config;
        var parameters = Parameters(config);
        using (var device = TestDevices.Create("cpu"))
        using (var store = new ParameterStore(device, VitParameterLayout.For(config)))
        {
            foreach (var p in store.All)
                p.Value.CopyFrom(parameters[p.Name]);
            ModelCheckpoint.Save(folder, config, store);
        }

        var random = new Random(Seed + 2);
        var images = Enumerable.Range(0, Batch * config.Channels * config.ImageSize * config.ImageSize)
            .Select(_ => (float)(random.NextDouble() * 3 - 1.5)).ToArray(); // about the range of normalised CIFAR pixels
        float[] labels = [.. Enumerable.Range(0, Batch).Select(_ => (float)random.Next(config.NumClasses))];
        SafetensorsFile.Write(Path.Combine(folder, BatchFileName),
            [("images", [Batch, config.Channels, config.ImageSize, config.ImageSize], images), ("labels", [Batch], labels)],
            new Dictionary<string, string> { ["format"] = "pt", ["label_smoothing"] = Smoothing.ToString(CultureInfo.InvariantCulture) });
    }

    public static Case Read(string folder)
    {
        var config = ModelCheckpoint.ReadConfig(folder);
        var weights = SafetensorsFile.Read(ModelCheckpoint.WeightsPath(folder));
        var batch = SafetensorsFile.Read(Path.Combine(folder, BatchFileName));
        return new Case(config,
            weights.Tensors.ToDictionary(kv => kv.Key, kv => kv.Value.Data),
            batch.Tensors["images"].Data,
            batch.Tensors["labels"].Data.Select(v => (int)v).ToArray(),
            float.Parse(batch.Metadata["label_smoothing"], CultureInfo.InvariantCulture));
    }

    /// <summary>
    /// timm's init from <see cref="ReferenceParameters.Initialize"/>, then: weights ×5 (embeddings ×25)
    /// so attention and GELU are non-linear, biases uniform ±0.1, LayerNorm affine off 1/0 by up to 0.3/0.1.
    /// </summary>
    private static Dictionary<string, float[]> Parameters(VitConfig config)
    {
        var initial = ReferenceParameters.Initialize(config, Seed);
        var random = new Random(Seed + 1);
        double Uniform(double half) => (random.NextDouble() * 2 - 1) * half;
        foreach (var shape in VitParameterLayout.For(config))
        {
            var data = initial[shape.Name].Data;
            var embedding = shape.Name is "cls_token" or "pos_embed";
            for (var i = 0; i < data.Length; i++)
            {
                data[i] = shape.Init switch
                {
                    ParameterInit.TruncNormal002 => data[i] * (embedding ? 25 : 5),
                    ParameterInit.Ones => data[i] + Uniform(0.3),
                    _ => data[i] + Uniform(0.1),
                };
            }
        }
        return initial.ToFloats();
    }
}
