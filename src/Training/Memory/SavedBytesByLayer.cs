using System.Text.RegularExpressions;

namespace CrsIlgpu.Training.Memory;

/// <summary>
/// Groups the step store's entries: by layer type (attributed by the tensor's inventory name, the
/// module path that made it) and by tensor across blocks (<c>blocks.*.attn.q</c>).
/// </summary>
public static partial class SavedBytesByLayer
{
    public const string Attention = "attention";
    public const string Mlp = "mlp";
    public const string LayerNorm = "layernorm";
    public const string Residual = "residual";
    public const string PatchEmbed = "patch_embed";
    public const string Head = "head";

    public static string LayerType(string? label) => label switch
    {
        null => Residual,
        _ when label.StartsWith("head.", StringComparison.Ordinal) || label.StartsWith("norm.", StringComparison.Ordinal) => Head,
        _ when label.StartsWith("patch_embed.", StringComparison.Ordinal) => PatchEmbed,
        _ when label.Contains(".attn.", StringComparison.Ordinal) => Attention,
        _ when label.Contains(".mlp.", StringComparison.Ordinal) => Mlp,
        _ when label.Contains(".norm", StringComparison.Ordinal) => LayerNorm,
        _ => Residual, // embed.out, blocks.i.mid, blocks.i.out: the residual stream each block's LayerNorm reads back
    };

    /// <summary>Bytes per layer type over the entries.</summary>
    public static IReadOnlyDictionary<string, long> Sum(IEnumerable<SavedEntryInfo> entries) =>
        entries.GroupBy(e => LayerType(e.Name)).ToDictionary(g => g.Key, g => g.Sum(e => e.Bytes));

    /// <summary>One row per tensor name with the block index as <c>*</c>: bytes over all blocks, how many entries, the role.</summary>
    public static IReadOnlyList<SavedTensorTotal> ByTensor(IEnumerable<SavedEntryInfo> entries) =>
        entries.GroupBy(e => (Name: BlockIndex().Replace(e.Name, "blocks.*."), e.Role))
            .Select(g => new SavedTensorTotal(g.Key.Name, g.Key.Role, g.Count(), g.Sum(e => e.Bytes)))
            .OrderByDescending(t => t.Bytes).ThenBy(t => t.Name, StringComparer.Ordinal).ToList();

    /// <summary>Bytes per keeping layer, the block index as <c>*</c>.</summary>
    public static IReadOnlyDictionary<string, long> ByKeeper(IEnumerable<SavedEntryInfo> entries) =>
        entries.GroupBy(e => BlockIndex().Replace(e.Layer, "blocks.*.")).ToDictionary(g => g.Key, g => g.Sum(e => e.Bytes));

    [GeneratedRegex(@"^blocks\.\d+\.")]
    private static partial Regex BlockIndex();
}

/// <summary>A tensor's saved bytes summed over the blocks that keep it.</summary>
public sealed record SavedTensorTotal(string Name, SavedRole Role, int Count, long Bytes);
