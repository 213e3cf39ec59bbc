using CrsIlgpu.Kernels.Codec;

namespace CrsIlgpu.Model.Saved;

/// <summary>
/// In what precision the step's store keeps each tensor (<c>--save-precision</c>, with
/// <c>--save-precision-for KEY=PRECISION,...</c> overrides by store key): compute stays fp32; a kept
/// tensor is encoded once its block's forward is done and decoded into a workspace for each backward
/// read. Always fp32: LayerNorm's mean and rstd (<see cref="SavedRole.Statistics"/>: 8 bytes a row,
/// and an error in rstd scales a whole row's gradient) and selections (integers).
/// </summary>
public sealed record SavedPrecisionPolicy(SavedPrecision Default, IReadOnlyDictionary<string, SavedPrecision> Overrides)
{
    /// <summary>The store keys an override may name (docs/ARCHITECTURE.md, "What each layer keeps for backward").</summary>
    public static IReadOnlyList<string> Keys { get; } = ["input", "output", "q", "k", "v", "attn", "gelu_input", "x_sampled"];

    public static SavedPrecisionPolicy Fp32 { get; } = new(SavedPrecision.Fp32, new Dictionary<string, SavedPrecision>());

    /// <summary>The precision of one entry.</summary>
    public SavedPrecision For(string key, SavedRole role) =>
        role is SavedRole.Statistics or SavedRole.Selection ? SavedPrecision.Fp32 : Overrides.GetValueOrDefault(key, Default);

    /// <summary>Whether any entry is encoded.</summary>
    public bool Encodes => Default != SavedPrecision.Fp32 || Overrides.Values.Any(p => p != SavedPrecision.Fp32);

    /// <summary>"bf16", or "int8 (attn bf16)" with the overrides.</summary>
    public string Describe() =>
        Name(Default) + (Overrides.Count == 0 ? "" : " (" + string.Join(", ", Overrides.OrderBy(o => o.Key, StringComparer.Ordinal).Select(o => $"{o.Key} {Name(o.Value)}")) + ")");

    public static string Name(SavedPrecision precision) => precision.ToString().ToLowerInvariant();

    /// <summary>fp32, bf16 or int8 (case-insensitive); a clear error otherwise.</summary>
    public static SavedPrecision ParsePrecision(string text, string option) => text.Trim().ToLowerInvariant() switch
    {
        "fp32" => SavedPrecision.Fp32,
        "bf16" => SavedPrecision.Bf16,
        "int8" => SavedPrecision.Int8,
        _ => throw new CrsException($"{option}: '{text}' is not a precision (fp32, bf16, int8)"),
    };

    /// <summary>The policy from <c>--save-precision</c> and <c>--save-precision-for attn=bf16,q=fp32</c> (null or empty: no overrides).</summary>
    public static SavedPrecisionPolicy Parse(string precision, string? overrides)
    {
        var parsed = new Dictionary<string, SavedPrecision>(StringComparer.Ordinal);
        foreach (var item in (overrides ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var parts = item.Split('=', StringSplitOptions.TrimEntries);
            if (parts.Length != 2 || !Keys.Contains(parts[0]))
                throw new CrsException($"--save-precision-for: '{item}' is not KEY=PRECISION with KEY one of {string.Join(", ", Keys)}");
            if (!parsed.TryAdd(parts[0], ParsePrecision(parts[1], "--save-precision-for")))
                throw new CrsException($"--save-precision-for: '{parts[0]}' is given twice");
        }
        return new SavedPrecisionPolicy(ParsePrecision(precision, "--save-precision"), parsed);
    }

    public bool Equals(SavedPrecisionPolicy? other) =>
        other is not null && Default == other.Default && Overrides.Count == other.Overrides.Count
        && Overrides.All(o => other.Overrides.TryGetValue(o.Key, out var p) && p == o.Value);

    public override int GetHashCode() => HashCode.Combine(Default, Overrides.Count);
}
