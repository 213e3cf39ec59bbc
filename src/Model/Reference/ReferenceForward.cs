namespace CrsIlgpu.Model.Reference;

/// <summary>
/// Everything <see cref="VitReference.Forward"/> computed, kept for the backward pass and for
/// layer-by-layer comparison. Token tensors are [B, L, D] flattened row-major.
/// </summary>
public sealed class ReferenceForward
{
    public required VitConfig Config { get; init; }
    public required int Batch { get; init; }
    public required double[] Images { get; init; }
    public required int[] Labels { get; init; }
    public required double LabelSmoothing { get; init; }

    /// <summary>Conv patch embedding output [B, N, D].</summary>
    public required double[] PatchEmbeddings { get; init; }

    /// <summary>Class token prepended and pos_embed added [B, L, D]: block 0's input.</summary>
    public required double[] Embedded { get; init; }

    /// <summary>Block i's input is Embedded for i = 0, else Blocks[i − 1].Output.</summary>
    public required IReadOnlyList<ReferenceBlockResult> Blocks { get; init; }

    /// <summary>The final LayerNorm over all tokens [B, L, D].</summary>
    public required ReferenceLayerNormResult FinalNorm { get; init; }

    /// <summary>Token 0 of FinalNorm per image [B, D]: the head's input.</summary>
    public required double[] ClassTokens { get; init; }

    /// <summary>[B, classes].</summary>
    public required double[] Logits { get; init; }

    public required ReferenceSoftmaxCrossEntropyResult CrossEntropy { get; init; }

    public double Loss => CrossEntropy.Loss;

    /// <summary>The last block's output (the final LayerNorm's input).</summary>
    public double[] BlocksOutput => Blocks.Count == 0 ? Embedded : Blocks[^1].Output;

    public double[] BlockInput(int block) => block == 0 ? Embedded : Blocks[block - 1].Output;
}
