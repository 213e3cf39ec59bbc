using System.Globalization;
using System.Text;

namespace CrsIlgpu.Training.Trainer;

/// <summary>
/// The settings two runs disagree on, named by the `crs` option a user would type (--lr, not
/// LearningRate), for the one-line refusals of a resume or a sweep that would mix settings.
/// </summary>
public static class SettingDifferences
{
    private static readonly Dictionary<string, string> OptionNames = new()
    {
        [nameof(TrainingOptions.LearningRate)] = "--lr",
        [nameof(TrainingOptions.MinLearningRate)] = "--min-lr",
        [nameof(TrainingOptions.WarmupFraction)] = "--warmup",
    };

    /// <summary>"--lr: 0.003 there, 0.01 now" for each setting (all but --epochs) that differs.</summary>
    public static IReadOnlyList<string> Between(TrainingOptions saved, TrainingOptions requested)
    {
        var list = new List<string>();
        foreach (var property in typeof(TrainingOptions).GetProperties().Where(p => p.CanWrite && p.Name != nameof(TrainingOptions.Epochs)))
        {
            var a = property.GetValue(saved);
            var b = property.GetValue(requested);
            if (!Equals(a, b))
                list.Add($"{OptionName(property.Name)}: {Text(a)} there, {Text(b)} now");
        }
        return list;
    }

    /// <summary>
    /// The settings that change what training does: without sampling (ρ = 1) the WTA-CRS layers,
    /// policy and estimator have no effect, so a dense run matches a request that differs only there.
    /// </summary>
    public static TrainingOptions Effective(TrainingOptions options) =>
        options.Sampling() is null ? options with { CrsLayers = Default.CrsLayers, Policy = Default.Policy, Estimator = Default.Estimator } : options;

    private static readonly TrainingOptions Default = new();

    public static string OptionName(string property)
    {
        if (OptionNames.TryGetValue(property, out var name))
            return name;
        var kebab = new StringBuilder("-");
        foreach (var c in property)
        {
            if (char.IsUpper(c))
                kebab.Append('-');
            kebab.Append(char.ToLowerInvariant(c));
        }
        return kebab.ToString();
    }

    private static string Text(object? value) => value switch
    {
        null => "none",
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        bool b => b ? "on" : "off",
        _ => Convert.ToString(value, CultureInfo.InvariantCulture) ?? "",
    };
}
