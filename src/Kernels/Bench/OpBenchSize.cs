namespace CrsIlgpu.Kernels.Bench;

/// <summary>The model sizes `crs bench ops` measures each op at.</summary>
public sealed record OpBenchSize(string Name, int Batch, int Tokens, int Dim, int Heads, int MlpRatio = 4)
{
    /// <summary>ViT-Tiny on CIFAR: batch 128, 65 tokens (64 patches + class), dim 192, 3 heads.</summary>
    public static readonly OpBenchSize VitTiny = new("vit-tiny", 128, 65, 192, 3);

    /// <summary>ViT-B/16 at 224²: batch 64, 197 tokens, dim 768, 12 heads.</summary>
    public static readonly OpBenchSize VitBase = new("vit-b16", 64, 197, 768, 12);

    /// <summary>Rows of the token matrix: batch × tokens.</summary>
    public int Rows => Batch * Tokens;

    public int HeadDim => Dim / Heads;
}
