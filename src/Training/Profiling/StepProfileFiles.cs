using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using CrsIlgpu.Training.Plots;

namespace CrsIlgpu.Training.Profiling;

/// <summary>What `crs profile --out DIR` writes, each file atomically: profile.json, trace.json and profile.png (and compare.json).</summary>
public static class StepProfileFiles
{
    public const string Json = "profile.json";
    public const string Trace = "trace.json";
    public const string Png = "profile.png";
    public const string Comparison = "compare.json";

    /// <summary>Creates the output folder; an existing path that is not a folder is a user error.</summary>
    public static string PrepareDirectory(string path)
    {
        if (string.IsNullOrWhiteSpace(path))
            throw new CrsException("--out: give a folder for profile.json, trace.json and profile.png");
        var full = Path.GetFullPath(path);
        FileSystemError.CheckOutputFolder("--out", path);
        FileSystemError.At($"--out: {path}", () => Directory.CreateDirectory(full));
        return full;
    }

    /// <summary>Writes the three files of one profile into <paramref name="directory"/>; returns their paths.</summary>
    public static IReadOnlyList<string> Write(StepProfile profile, string directory)
    {
        var dir = PrepareDirectory(directory);
        var json = Path.Combine(dir, Json);
        var trace = Path.Combine(dir, Trace);
        var png = Path.Combine(dir, Png);
        AtomicFile.WriteAllText(json, profile.ToJson());
        AtomicFile.WriteAllText(trace, profile.ToChromeTrace());
        ProfileBarPlot.Save(profile, png);
        return [json, trace, png];
    }

    /// <summary>Folder name of one ratio's profile in compare mode: rho-1, rho-0.3.</summary>
    public static string RatioFolder(double ratio) => "rho-" + ratio.ToString("0.###", CultureInfo.InvariantCulture);

    public static string WriteComparison(StepProfileComparison comparison, string directory)
    {
        var path = Path.Combine(PrepareDirectory(directory), Comparison);
        var node = new JsonObject
        {
            ["first"] = comparison.First.Sampling,
            ["second"] = comparison.Second.Sampling,
            ["rows"] = JsonSerializer.SerializeToNode(comparison.Rows, StepProfile.JsonOptions),
        };
        AtomicFile.WriteAllText(path, node.ToJsonString(StepProfile.JsonOptions));
        return path;
    }
}
