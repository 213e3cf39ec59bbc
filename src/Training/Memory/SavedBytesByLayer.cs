namespace CrsIlgpu.Training.Memory;

/// <summary>Attributes a saved-for-backward allocation to a layer type by its label (the module path).</summary>
public static class SavedBytesByLayer
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
}
