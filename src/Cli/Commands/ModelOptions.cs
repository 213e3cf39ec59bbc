using CrsIlgpu.Model;

namespace CrsIlgpu.Cli.Commands;

/// <summary>--model, --batch and --classes, defined once for every command that builds a ViT (train, sweep, memory, profile, eval).</summary>
public static class ModelOptions
{
    public const string DefaultModel = "vit-cifar-tiny";

    public static Option<string> Model(string defaultModel = DefaultModel) => new("--model")
    {
        Description = $"Preset ({string.Join(", ", VitConfig.Presets.Select(p => p.Name))}) or a JSON config file",
        DefaultValueFactory = _ => defaultModel,
    };

    public static Option<int> Batch(int defaultBatch, string description = "Images per step") =>
        new("--batch") { Description = description, DefaultValueFactory = _ => defaultBatch };

    public static Option<int> Classes() => new("--classes") { Description = "Classes of the head", DefaultValueFactory = _ => 10 };
}
