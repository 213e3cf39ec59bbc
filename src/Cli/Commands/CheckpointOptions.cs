using System.Text.Json.Serialization;

namespace CrsIlgpu.Cli.Commands;

/// <summary>What `crs eval` and `crs predict` share: the saved model they read, the dataset that goes with it, and how they write numbers.</summary>
public static class CheckpointOptions
{
    public static readonly Option<string> Checkpoint = new("--checkpoint")
    {
        Description = "A run folder (its last checkpoint) or a model folder with config.json + model.safetensors",
        Required = true,
    };

    /// <summary>JSON of a result: indented, NaN and infinities as named literals (a diverged model's numbers).</summary>
    public static readonly JsonSerializerOptions Json = new()
    {
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        WriteIndented = true,
    };

    /// <summary>
    /// The dataset: <paramref name="dataset"/>, else the one the run in <paramref name="folder"/> trained on, else
    /// cifar10; unpacked into --data from --packs when it is not there yet. Returns its name and the data folder.
    /// </summary>
    public static (string Name, string DataDir) Dataset(ParseResult parse, Option<string?> dataset, string folder)
    {
        var name = parse.GetValue(dataset) ?? CheckpointEvaluation.TrainedDataset(folder) ?? "cifar10";
        var dataDir = parse.GetValue(DataOptions.Dir)!;
        DataPacks.EnsureFor(name, dataDir, parse.GetValue(DataOptions.Packs)!, msg => Console.Error.WriteLine("  " + msg));
        return (name, dataDir);
    }

    /// <summary>A fraction as a percentage with two decimals: 0.41234 → "41.23%".</summary>
    public static string Percent(double fraction) => (100 * fraction).ToString("F2", CultureInfo.InvariantCulture) + "%";
}
