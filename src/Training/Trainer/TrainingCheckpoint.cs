using System.Text.Json;
using CrsIlgpu.Model;
using CrsIlgpu.Model.Checkpoint;
using CrsIlgpu.Training.Optim;

namespace CrsIlgpu.Training.Trainer;

/// <summary>
/// A run's checkpoint folder: the model as <see cref="ModelCheckpoint"/> writes it (loadable by
/// `crs eval` and by timm), <c>optimizer.safetensors</c> (Adam moments and the WTA-CRS gradient-norm
/// caches) and <c>trainer.json</c> (<see cref="TrainerState"/>). It is built in a temporary folder and
/// swapped in by renames, so an interruption leaves the previous checkpoint whole.
/// </summary>
public static class TrainingCheckpoint
{
    public const string FolderName = "checkpoint";
    public const string StateFileName = "trainer.json";
    public const string OptimizerFileName = "optimizer.safetensors";
    private const string PreviousSuffix = ".prev";
    private const string MomentPrefix = "adam_m/";
    private const string SecondMomentPrefix = "adam_v/";
    private const string CachePrefix = "gradnorm_cache/";

    internal static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public static string PathIn(string runDir) => Path.Combine(runDir, FolderName);

    public static void Save(string runDir, VisionTransformer model, AdamOptimizer optimizer, TrainerState state)
    {
        var final = PathIn(runDir);
        var temp = TemporaryFiles.For(final);
        // A dead process's half-built checkpoint (killed, disk full) would keep the disk full; ours is rebuilt.
        TemporaryFiles.CleanStale(runDir, FolderName + ".tmp-");
        TemporaryFiles.TryDelete(temp);
        try
        {
            WriteInto(temp, model, optimizer, state);
        }
        catch
        {
            TemporaryFiles.TryDelete(temp); // a failed save leaves the previous checkpoint and nothing else
            throw;
        }
        FileSystemError.At(final, () => SwapIn(temp, final, runDir));
    }

    private static void WriteInto(string temp, VisionTransformer model, AdamOptimizer optimizer, TrainerState state)
    {
        ModelCheckpoint.Save(temp, model);
        var tensors = new List<(string, int[], float[])>();
        foreach (var (name, m, v) in optimizer.State)
        {
            tensors.Add((MomentPrefix + name, m.Shape, m.ToArray()));
            tensors.Add((SecondMomentPrefix + name, v.Shape, v.ToArray()));
        }
        foreach (var (layer, table) in model.Sampling?.Caches.Tables ?? new Dictionary<string, float[]>())
            tensors.Add((CachePrefix + layer, [table.Length], table));
        SafetensorsFile.Write(Path.Combine(temp, OptimizerFileName), tensors);
        // Written last: a folder with trainer.json is complete.
        AtomicFile.WriteAllText(Path.Combine(temp, StateFileName), JsonSerializer.Serialize(state, Json));
        Durability.SyncFolder(temp);
    }

    private static void SwapIn(string temp, string final, string runDir)
    {
        var previous = final + PreviousSuffix;
        if (Directory.Exists(previous))
            Directory.Delete(previous, recursive: true);
        if (Directory.Exists(final))
            Directory.Move(final, previous);
        Directory.Move(temp, final);
        Durability.SyncFolder(runDir); // the renames themselves reach the disk before training goes on
        if (Directory.Exists(previous))
            Directory.Delete(previous, recursive: true);
    }

    /// <summary>The run's last complete checkpoint folder (the previous one if a swap was cut short), or null.</summary>
    public static string? Find(string runDir)
    {
        foreach (var folder in new[] { PathIn(runDir), PathIn(runDir) + PreviousSuffix })
        {
            if (File.Exists(Path.Combine(folder, StateFileName)))
                return folder;
        }
        return null;
    }

    public static TrainerState ReadState(string checkpointDir)
    {
        var path = Path.Combine(checkpointDir, StateFileName);
        if (!File.Exists(path))
            throw new CrsException($"{path}: not found (a training checkpoint holds {StateFileName}, {OptimizerFileName} and the model)");
        try
        {
            var state = JsonSerializer.Deserialize<TrainerState>(File.ReadAllText(path), Json)
                ?? throw new CrsException($"{path}: empty trainer state");
            if (state.Format != TrainerState.CurrentFormat)
                throw new CrsException($"{path}: trainer state format {state.Format}, this build reads format {TrainerState.CurrentFormat}");
            if (state.EpochsDone < 0 || state.GlobalStep < 0 || state.OptimizerStep < 0)
                throw new CrsException($"{path}: negative counters (epochs_done {state.EpochsDone}, global_step {state.GlobalStep}, " +
                    $"optimizer_step {state.OptimizerStep}); the file is damaged");
            if (state.Options is null)
                throw new CrsException($"{path}: no options; the file is damaged");
            try
            {
                state.Options.Validate();
            }
            catch (CrsException ex)
            {
                // The user did not type this setting: name the file it came from.
                throw new CrsException($"{path}: the saved settings are invalid ({ex.Message}); the file is damaged or was edited");
            }
            return state;
        }
        catch (JsonException ex)
        {
            throw new CrsException($"{path}: not a valid trainer state ({ex.Message})");
        }
    }

    /// <summary>Loads weights, Adam moments and step, and hands the gradient-norm caches to the model's sampling state.</summary>
    public static void Restore(string checkpointDir, VisionTransformer model, AdamOptimizer optimizer, TrainerState state)
    {
        ModelCheckpoint.LoadInto(checkpointDir, model);
        var path = Path.Combine(checkpointDir, OptimizerFileName);
        var content = SafetensorsFile.Read(path);
        foreach (var (name, m, v) in optimizer.State)
        {
            CopyInto(content, path, MomentPrefix + name, m);
            CopyInto(content, path, SecondMomentPrefix + name, v);
        }
        optimizer.Restore(state.OptimizerStep);
        if (model.Sampling is { } sampling)
        {
            sampling.Step = state.SamplingStep;
            foreach (var (name, tensor) in content.Tensors.Where(t => t.Key.StartsWith(CachePrefix, StringComparison.Ordinal)))
                sampling.Caches.Restore(name[CachePrefix.Length..], tensor.Data);
        }
    }

    private static void CopyInto(SafetensorsContent content, string path, string name, Tensor target)
    {
        if (!content.Tensors.TryGetValue(name, out var t))
            throw new CrsException($"{path}: missing '{name}'");
        if (!t.Shape.SequenceEqual(target.Shape))
            throw new CrsException($"{path}: '{name}' has shape [{string.Join(", ", t.Shape)}], expected {target.ShapeText}");
        target.CopyFrom(t.Data);
    }
}
