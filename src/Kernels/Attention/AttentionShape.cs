namespace CrsIlgpu.Kernels.Attention;

/// <summary>Sizes of one multi-head attention call: batch, tokens, heads and head width.</summary>
public readonly record struct AttentionShape(int Batch, int Tokens, int Heads, int HeadDim)
{
    public int Dim => Heads * HeadDim;

    /// <summary>Independent (batch, head) attention problems.</summary>
    public int BatchHeads => Batch * Heads;

    public long HeadTensorLength => (long)Batch * Heads * Tokens * HeadDim;

    public override string ToString() => $"B={Batch} L={Tokens} H={Heads} Dh={HeadDim}";
}
