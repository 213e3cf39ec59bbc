namespace CrsIlgpu.Cli.Commands;

/// <summary>Comma-separated option values (--sizes 512,1024; --ratios 1,0.5,0.3), parsed with one error wording.</summary>
public static class OptionLists
{
    public static IReadOnlyList<int> PositiveInts(string text, string option)
    {
        var result = new List<int>();
        foreach (var part in Parts(text, option))
        {
            if (!int.TryParse(part, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) || value < 1)
                throw new CrsException($"{option}: '{part}' is not a positive integer");
            result.Add(value);
        }
        return result;
    }

    /// <summary>Keep ratios, each checked by <see cref="WtaCrsConfig.CheckRatio"/> (the one range check of ρ).</summary>
    public static IReadOnlyList<double> Ratios(string text, string option)
    {
        var result = new List<double>();
        foreach (var part in Parts(text, option))
        {
            if (!double.TryParse(part, NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
                throw new CrsException($"{option}: '{part}' is not a number");
            WtaCrsConfig.CheckRatio(value, option);
            result.Add(value);
        }
        return result;
    }

    private static string[] Parts(string text, string option)
    {
        var parts = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (parts.Length == 0)
            throw new CrsException($"{option}: give at least one value");
        return parts;
    }
}
