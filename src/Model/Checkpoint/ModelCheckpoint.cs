using System.Text.Json.Nodes;

namespace CrsIlgpu.Model.Checkpoint;

/// <summary>
/// A model saved as a folder the Hugging Face way: <c>model.safetensors</c> (every parameter by timm
/// name, F32, metadata {"format": "pt"} so PyTorch/timm load it as is) and <c>config.json</c>
/// (<see cref="VitConfig.ToJson"/>) beside it. Each file is written atomically (temp file + rename),
/// so a crash mid-save leaves the previous file intact rather than a torn one.
/// </summary>
public static class ModelCheckpoint
{
    public const string ConfigFileName = "config.json";
    public const string WeightsFileName = "model.safetensors";

    /// <summary>Metadata written into model.safetensors; "format": "pt" is what safetensors' torch loader expects.</summary>
    public static IReadOnlyDictionary<string, string> WeightsMetadata { get; } = new Dictionary<string, string> { ["format"] = "pt" };

    public static string ConfigPath(string folder) => Path.Combine(folder, ConfigFileName);

    public static string WeightsPath(string folder) => Path.Combine(folder, WeightsFileName);

    public static void Save(string folder, VisionTransformer model) => Save(folder, model.Config, model.Parameters);

    /// <summary>Writes config.json and model.safetensors into <paramref name="folder"/> (created if needed).</summary>
    public static void Save(string folder, VitConfig config, ParameterStore parameters)
    {
        config.Validate();
        Directory.CreateDirectory(folder);
        // Weights first: a folder whose config.json is present is then always complete.
        parameters.Save(WeightsPath(folder), WeightsMetadata);
        AtomicFile.WriteAllText(ConfigPath(folder), config.ToJson());
    }

    /// <summary>Reads and validates config.json; a missing or invalid file is a <see cref="CrsException"/> naming it.</summary>
    public static VitConfig ReadConfig(string folder)
    {
        var path = ConfigPath(folder);
        if (!Directory.Exists(folder))
            throw new CrsException($"{folder}: checkpoint folder not found");
        if (!File.Exists(path))
            throw new CrsException($"{path}: checkpoint config not found (a checkpoint folder holds {ConfigFileName} and {WeightsFileName})");
        return VitConfig.FromJson(File.ReadAllText(path), path);
    }

    /// <summary>Builds a model from the folder's config and loads its weights.</summary>
    public static VisionTransformer Load(string folder, DeviceContext device)
    {
        var config = ReadConfig(folder);
        var model = new VisionTransformer(device, config);
        try
        {
            LoadWeights(folder, model.Parameters);
            return model;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>Loads into an existing model; its config must match config.json (the name aside), and the error lists what differs.</summary>
    public static void LoadInto(string folder, VisionTransformer model)
    {
        var config = ReadConfig(folder);
        var differences = ConfigDifferences(config, model.Config);
        if (differences.Count > 0)
            throw new CrsException($"{ConfigPath(folder)}: checkpoint config does not match the model ({string.Join(", ", differences)})");
        LoadWeights(folder, model.Parameters);
    }

    /// <summary>Loads model.safetensors into <paramref name="parameters"/>; names, shapes and dtypes must match exactly.</summary>
    public static void LoadWeights(string folder, ParameterStore parameters)
    {
        var path = WeightsPath(folder);
        parameters.Load(SafetensorsFile.Read(path), path);
    }

    /// <summary>"depth: checkpoint 2, model 3" for every config field that differs, the descriptive name excepted.</summary>
    public static IReadOnlyList<string> ConfigDifferences(VitConfig checkpoint, VitConfig model)
    {
        var saved = JsonNode.Parse(checkpoint.ToJson())!.AsObject();
        var wanted = JsonNode.Parse(model.ToJson())!.AsObject();
        var differences = new List<string>();
        foreach (var (key, value) in wanted)
        {
            if (key == "name")
                continue;
            var other = saved[key];
            if (!JsonNode.DeepEquals(value, other))
                differences.Add($"{key}: checkpoint {other?.ToJsonString() ?? "missing"}, model {value?.ToJsonString()}");
        }
        return differences;
    }
}
