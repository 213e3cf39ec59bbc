namespace CrsIlgpu.Model.Checkpoint;

/// <summary>
/// `crs train --init PATH`: the starting weights of a fine-tune, from a crs model folder
/// (<see cref="ModelCheckpoint"/>) or any timm-layout <c>model.safetensors</c> (F32, F16 or BF16).
/// Every model parameter must be in the file under its timm name with the model's shape, with two
/// exceptions handled as timm's fine-tuning does: a head for another class count is left as the
/// model initialised it (re-initialised), and a <c>pos_embed</c> for another patch grid is
/// resampled (<see cref="PosEmbedResample"/>). Every other problem — a missing or unexpected
/// tensor, a wrong shape, an unsupported dtype — is one line of one error, all of them together.
/// </summary>
public static class InitCheckpoint
{
    /// <summary>The safetensors file PATH names: the file itself, or a folder's model.safetensors.</summary>
    public static string WeightsFile(string path)
    {
        if (Directory.Exists(path))
        {
            var weights = ModelCheckpoint.WeightsPath(path);
            return File.Exists(weights) ? weights : throw new CrsException($"--init {path}: the folder holds no {ModelCheckpoint.WeightsFileName}");
        }
        return File.Exists(path) ? path : throw new CrsException($"--init {path}: no such file or folder");
    }

    /// <summary>
    /// Overwrites <paramref name="parameters"/> (already initialised from the run's seed) with the
    /// checkpoint's tensors. Returns what was adapted, one sentence each, for the user to see.
    /// </summary>
    public static IReadOnlyList<string> Apply(string path, VitConfig config, ParameterStore parameters)
    {
        var file = WeightsFile(path);
        var tensors = SafetensorsFile.Read(file).Tensors;
        var problems = new List<string>();
        var notes = new List<string>();
        var loads = new List<(Parameter Target, float[] Data)>();

        foreach (var name in tensors.Keys.Where(k => !parameters.All.Any(p => p.Name == k)).Order(StringComparer.Ordinal))
            problems.Add($"unexpected tensor '{name}' {Shape(tensors[name].Shape)} (not a parameter of {config.Name})");

        var headDiffers = tensors.TryGetValue("head.weight", out var head) && head.Shape.Length == 2
            && head.Shape[0] != config.NumClasses && head.Shape[1] == config.Dim
            && tensors.TryGetValue("head.bias", out var headBias) && headBias.Shape.SequenceEqual([head.Shape[0]]);
        foreach (var p in parameters.All)
        {
            if (!tensors.TryGetValue(p.Name, out var t))
            {
                problems.Add($"missing '{p.Name}' {Shape(p.Shape.Shape)}");
                continue;
            }
            if (t.Data.Length == 0 && t.Shape.Aggregate(1L, (a, d) => a * d) > 0)
            {
                problems.Add($"'{p.Name}' has dtype {t.DType}; F32, F16 or BF16 expected");
                continue;
            }
            if (headDiffers && p.Name is "head.weight" or "head.bias")
                continue;
            if (p.Name == "pos_embed" && !t.Shape.SequenceEqual(p.Shape.Shape))
            {
                if (ResampledPosEmbed(t, config, problems) is { } resampled)
                {
                    loads.Add((p, resampled.Data));
                    notes.Add($"pos_embed resampled from a {resampled.Grid}×{resampled.Grid} " +
                        $"to a {config.PatchesPerSide}×{config.PatchesPerSide} patch grid (bicubic, class token kept)");
                }
                continue;
            }
            if (!t.Shape.SequenceEqual(p.Shape.Shape))
            {
                problems.Add($"'{p.Name}' has shape {Shape(t.Shape)}, the model expects {Shape(p.Shape.Shape)}");
                continue;
            }
            loads.Add((p, t.Data));
        }

        if (problems.Count > 0)
            throw new CrsException($"--init {file}: {problems.Count} problem(s) loading it into {config.Name}:{Environment.NewLine}  "
                + string.Join(Environment.NewLine + "  ", problems));
        foreach (var (target, data) in loads)
            target.Value.CopyFrom(data);
        if (headDiffers)
            notes.Insert(0, $"head re-initialised: the checkpoint has {head!.Shape[0]} classes, the model {config.NumClasses}");
        return notes;
    }

    private static (float[] Data, int Grid)? ResampledPosEmbed(SafetensorsTensor t, VitConfig config, List<string> problems)
    {
        var grid = t.Shape.Length == 3 ? (int)Math.Round(Math.Sqrt(t.Shape[1] - 1)) : -1;
        if (t.Shape.Length != 3 || t.Shape[0] != 1 || t.Shape[2] != config.Dim || grid < 1 || grid * grid + 1 != t.Shape[1])
        {
            problems.Add($"'pos_embed' has shape {Shape(t.Shape)}: not [1, 1 + g², {config.Dim}] for a square patch grid g " +
                $"(the model expects [1, {config.Tokens}, {config.Dim}])");
            return null;
        }
        return (PosEmbedResample.Resample(t.Data, config.Dim, grid, config.PatchesPerSide), grid);
    }

    private static string Shape(int[] shape) => "[" + string.Join(", ", shape) + "]";
}
