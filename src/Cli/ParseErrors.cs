namespace CrsIlgpu.Cli;

/// <summary>
/// Turns the parser's errors into the one-line message every user error gets, with a "did you mean"
/// for an unknown option or command (the parser computes its own suggestions only inside the help
/// output it prints, which is what this replaces).
/// </summary>
public static class ParseErrors
{
    public const int ExitCode = 2;

    public static string Describe(ParseResult parse)
    {
        var messages = parse.Errors.Select(e => OneLine(e.Message)).Distinct().ToList();
        var candidates = Candidates(parse.CommandResult.Command).ToList();
        var hints = parse.UnmatchedTokens
            .Select(token => (token, best: Suggest(token, candidates)))
            .Where(t => t.best is not null)
            .Select(t => $"'{t.token}': did you mean {t.best}?")
            .ToList();
        var text = string.Join("; ", messages.Concat(hints));
        return $"{text} (crs {CommandPath(parse.CommandResult.Command)} --help lists the options)"
            .Replace("crs  --help", "crs --help", StringComparison.Ordinal);
    }

    /// <summary>The closest option or subcommand name within a small edit distance, or null.</summary>
    public static string? Suggest(string token, IReadOnlyList<string> candidates)
    {
        string? best = null;
        var bestDistance = int.MaxValue;
        foreach (var candidate in candidates)
        {
            var distance = Distance(token, candidate);
            var allowed = Math.Max(1, candidate.TrimStart('-').Length / 3);
            if (distance <= allowed && distance < bestDistance)
                (best, bestDistance) = (candidate, distance);
        }
        return best;
    }

    /// <summary>The parser's multi-line messages (a choice list) folded into one line, with plain type names.</summary>
    private static string OneLine(string message)
    {
        var parts = message.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var text = parts.Length <= 1 ? message.Trim() : parts[0] + " " + string.Join(", ", parts.Skip(1));
        return text.TrimEnd('.')
            .Replace("as expected type 'System.Int32'", "as a whole number", StringComparison.Ordinal)
            .Replace("as expected type 'System.Int64'", "as a whole number", StringComparison.Ordinal)
            .Replace("as expected type 'System.Double'", "as a number", StringComparison.Ordinal);
    }

    private static IEnumerable<string> Candidates(Command command)
    {
        foreach (var sub in command.Subcommands.Where(s => !s.Hidden))
            yield return sub.Name;
        for (Command? c = command; c is not null; c = c.Parents.OfType<Command>().FirstOrDefault())
        {
            foreach (var option in c.Options.Where(o => !o.Hidden && (c == command || o.Recursive)))
            {
                yield return option.Name;
                foreach (var alias in option.Aliases)
                    yield return alias;
            }
        }
    }

    private static string CommandPath(Command command)
    {
        var names = new List<string>();
        for (Command? c = command; c is not null && c is not RootCommand; c = c.Parents.OfType<Command>().FirstOrDefault())
            names.Insert(0, c.Name);
        return string.Join(' ', names);
    }

    /// <summary>Edit distance counting a swap of two neighbours as one edit (the commonest typo: --otu for --out).</summary>
    private static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (var i = 0; i <= a.Length; i++)
            d[i, 0] = i;
        for (var j = 0; j <= b.Length; j++)
            d[0, j] = j;
        for (var i = 1; i <= a.Length; i++)
        {
            for (var j = 1; j <= b.Length; j++)
            {
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                    d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
            }
        }
        return d[a.Length, b.Length];
    }
}
