using System.Text.Json;
using System.Text.Json.Serialization;
using CrsIlgpu.Kernels.Runtime;

namespace CrsIlgpu.Model;

/// <summary>
/// Shape of a Vision Transformer. <see cref="ImageSize"/> is what the patch embedding sees; CIFAR
/// images (32×32) are upsampled to it when larger (vit-b16 at 224).
/// </summary>
public sealed record VitConfig
{
    public string Name { get; init; } = "custom";
    public int ImageSize { get; init; } = 32;
    public int PatchSize { get; init; } = 4;
    public int Channels { get; init; } = 3;
    public int Dim { get; init; } = 192;
    public int Depth { get; init; } = 6;
    public int Heads { get; init; } = 3;
    public int MlpRatio { get; init; } = 4;
    public int NumClasses { get; init; } = 10;
    public float LayerNormEps { get; init; } = 1e-6f;

    [JsonIgnore] public int PatchesPerSide => ImageSize / PatchSize;
    [JsonIgnore] public int Patches => PatchesPerSide * PatchesPerSide;
    /// <summary>Patches plus the class token.</summary>
    [JsonIgnore] public int Tokens => Patches + 1;
    [JsonIgnore] public int HeadDim => Dim / Heads;
    [JsonIgnore] public int Hidden => Dim * MlpRatio;
    [JsonIgnore] public int PatchInputs => Channels * PatchSize * PatchSize;

    public static VitConfig VitCifarTiny => new() { Name = "vit-cifar-tiny", ImageSize = 32, PatchSize = 4, Dim = 192, Depth = 6, Heads = 3 };

    public static VitConfig VitCifarSmall => new() { Name = "vit-cifar-small", ImageSize = 32, PatchSize = 4, Dim = 384, Depth = 7, Heads = 6 };

    public static VitConfig VitB16 => new() { Name = "vit-b16", ImageSize = 224, PatchSize = 16, Dim = 768, Depth = 12, Heads = 12 };

    public static IReadOnlyList<VitConfig> Presets => [VitCifarTiny, VitCifarSmall, VitB16];

    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    };

    /// <summary>A preset name, or the path of a JSON config file.</summary>
    public static VitConfig Resolve(string nameOrPath)
    {
        var preset = Presets.FirstOrDefault(p => p.Name == nameOrPath);
        if (preset is not null)
            return preset;
        if (!File.Exists(nameOrPath))
            throw new CrsException($"--model: '{nameOrPath}' is neither a preset ({string.Join(", ", Presets.Select(p => p.Name))}) nor a JSON config file");
        return FromJson(File.ReadAllText(nameOrPath), nameOrPath);
    }

    public static VitConfig FromJson(string json, string source = "config")
    {
        VitConfig config;
        try
        {
            config = JsonSerializer.Deserialize<VitConfig>(json, Json) ?? throw new CrsException($"{source}: empty config");
        }
        catch (JsonException ex)
        {
            throw new CrsException($"{source}: invalid model config: {ex.Message}");
        }
        config.Validate(source);
        return config;
    }

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public VitConfig WithClasses(int classes) => this with { NumClasses = classes };

    public void Validate(string source = "config")
    {
        void Require(bool ok, string what)
        {
            if (!ok)
                throw new CrsException($"{source}: {what}");
        }

        Require(ImageSize > 0 && PatchSize > 0 && ImageSize % PatchSize == 0, $"image_size {ImageSize} must be a positive multiple of patch_size {PatchSize}");
        Require(Channels > 0, "channels must be positive");
        Require(Dim > 0 && Heads > 0 && Dim % Heads == 0, $"dim {Dim} must be a positive multiple of heads {Heads}");
        Require(Depth > 0, "depth must be positive");
        Require(MlpRatio > 0, "mlp_ratio must be positive");
        Require(NumClasses > 1, "num_classes must be at least 2");
        Require(LayerNormEps > 0, "layer_norm_eps must be positive");
    }
}
