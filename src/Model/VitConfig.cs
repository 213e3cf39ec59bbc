using System.Text.Json;
using System.Text.Json.Serialization;

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
        // Sizes are checked in 64-bit arithmetic before anything is allocated: an absurd config fails
        // here at once instead of allocating (or planning) for minutes.
        Require(Depth <= MaxDepth, $"depth {Depth} is more than {MaxDepth} blocks (ViTs have a few dozen)");
        foreach (var (what, elements) in Tensors(1))
            Require(elements <= int.MaxValue,
                $"{what} would hold {elements:N0} values for a single image; " +
                "the kernels address at most 2^31-1 values per tensor");
        Require(ParameterCount <= MaxParameters, $"{ParameterCount:N0} parameters is more than any device holds (at most {MaxParameters:N0})");
    }

    /// <summary>Far beyond any ViT, but small enough that building or planning the model stays quick.</summary>
    public const int MaxDepth = 10_000;

    /// <summary>2^40 parameters: 16 TiB of weights, gradients and Adam moments, beyond any single device.</summary>
    public const long MaxParameters = 1L << 40;

    /// <summary>Parameter count from the shapes alone (64-bit, nothing allocated); the same total as <see cref="VitParameterLayout.Count"/>.</summary>
    [JsonIgnore]
    public long ParameterCount
    {
        get
        {
            double d = Dim, hidden = (double)Dim * MlpRatio, tokens = Tokens;
            var perBlock = 2 * d + (3 * d * d + 3 * d) + (d * d + d) + 2 * d + (hidden * d + hidden) + (d * hidden + d);
            var total = (d * PatchInputs + d) + d + tokens * d + Depth * perBlock + 2 * d + (NumClasses * d + NumClasses);
            return total >= long.MaxValue ? long.MaxValue : (long)total;
        }
    }

    /// <summary>
    /// The largest batch whose step tensors the kernels can address (32-bit element indices, at most
    /// 2^31-1 values per tensor); <see cref="CheckBatch"/> names the tensor that limits it.
    /// </summary>
    public int MaxBatch()
    {
        var perImage = Activations(1).Max(t => t.Elements);
        return (int)Math.Min(int.MaxValue, int.MaxValue / Math.Max(perImage, 1));
    }

    /// <summary>Refuses a batch whose largest tensor would have more than 2^31-1 values, in one line naming it and the largest batch that fits.</summary>
    public void CheckBatch(int batch)
    {
        if (batch < 1)
            throw new CrsException($"--batch must be positive, got {batch}");
        var (what, elements) = Tensors(batch).MaxBy(t => t.Elements);
        if (elements > int.MaxValue)
        {
            throw new CrsException($"--batch {batch}: {Name}'s {what} would hold {elements:N0} values; the kernels address at most 2^31-1 values per tensor " +
                $"(32-bit indices), so the largest batch for this model is {MaxBatch()}");
        }
    }

    /// <summary>The largest tensors of a training step at <paramref name="batch"/> images (activations, then weights), in 64-bit element counts.</summary>
    private IEnumerable<(string What, long Elements)> Tensors(long batch) => Activations(batch).Concat(Weights());

    /// <summary>The largest activations: these grow with the batch.</summary>
    private IEnumerable<(string What, long Elements)> Activations(long batch)
    {
        long d = Dim, tokens = Tokens, hidden = (long)Dim * MlpRatio;
        yield return ($"input images [{batch}, {Channels}, {ImageSize}, {ImageSize}]", batch * Channels * ImageSize * ImageSize);
        yield return ($"patches [{batch * Patches}, {PatchInputs}]", batch * Patches * PatchInputs);
        yield return ($"attention scores [{batch * Heads}, {tokens}, {tokens}]", batch * Heads * tokens * tokens);
        yield return ($"qkv activations [{batch * tokens}, {3 * d}]", batch * tokens * 3 * d);
        yield return ($"MLP hidden activations [{batch * tokens}, {hidden}]", batch * tokens * hidden);
    }

    private IEnumerable<(string What, long Elements)> Weights()
    {
        long d = Dim, hidden = (long)Dim * MlpRatio;
        yield return ($"fc1 weight [{hidden}, {d}]", hidden * d);
        yield return ($"qkv weight [{3 * d}, {d}]", 3 * d * d);
        yield return ($"patch embedding weight [{d}, {PatchInputs}]", d * PatchInputs);
        yield return ($"head weight [{NumClasses}, {d}]", (long)NumClasses * d);
    }
}
