namespace CrsIlgpu.Model.Saved;

/// <summary>
/// What a training step keeps less of, each a policy of the step's <see cref="SavedTensorStore"/>
/// and a flag of its own: recompute the attention matrices in backward (<c>--recompute-attention</c>),
/// recompute GELU's output from its input in backward (<c>--recompute-gelu</c>), LayerNorm's backward
/// from its output (<c>--layernorm-from-output</c>). Every combination
/// gives the same loss and the same update as none, up to float reassociation where a recompute
/// takes another path through the GEMM (docs/ARCHITECTURE.md, "What each layer keeps for backward").
/// </summary>
public sealed record MemorySavers
{
    /// <summary>Backward recomputes softmax(scale·q kᵀ) into a workspace: no block keeps its attention matrix.</summary>
    public bool RecomputeAttention { get; init; }

    /// <summary>
    /// Backward recomputes GELU(fc1's output) into a workspace: fc2 keeps nothing of width F of its
    /// own (a Cached fc2 keeps only its selection and reads its rows from the recomputed tensor).
    /// </summary>
    public bool RecomputeGelu { get; init; }

    /// <summary>
    /// Every LayerNorm keeps its output (which the linear it feeds needs anyway) instead of its input,
    /// and its backward recovers x̂ = (y − β)/γ: no residual-stream tensor is kept for a LayerNorm. A
    /// column whose γ is exactly 0 loses its x̂ (taken as 0: its dγ is 0, dx misses that term).
    /// </summary>
    public bool LayerNormFromOutput { get; init; }

    /// <summary>How kept tensors are stored (<c>--save-precision</c>; fp32 by default): a policy of the store, not a saver of one layer.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public SavedPrecisionPolicy Precision { get; init; } = SavedPrecisionPolicy.Fp32;

    /// <summary>The precision policy as reports print it ("fp32", "bf16", "int8 (attn bf16)").</summary>
    public string SavePrecision => Precision.Describe();

    /// <summary>Keeps everything: the default.</summary>
    public static MemorySavers None { get; } = new();

    /// <summary>Every saver on: the <c>--memory lean</c> preset.</summary>
    public static MemorySavers Lean { get; } = new() { RecomputeAttention = true, RecomputeGelu = true, LayerNormFromOutput = true };

    /// <summary>The presets by name, for <c>--memory</c>.</summary>
    public static IReadOnlyDictionary<string, MemorySavers> Presets { get; } = new Dictionary<string, MemorySavers>
    {
        ["none"] = None,
        ["lean"] = Lean,
    };

    /// <summary>", attention recomputed, GELU recomputed" style suffix for reports ("" when none is on).</summary>
    public string Describe() =>
        (RecomputeAttention ? ", attention recomputed" : "") + (RecomputeGelu ? ", GELU recomputed" : "")
        + (LayerNormFromOutput ? ", LayerNorm from its output" : "") + (Precision.Encodes ? ", saved as " + Precision.Describe() : "");
}
