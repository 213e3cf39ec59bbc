using CrsIlgpu.Kernels.Codec;

namespace CrsIlgpu.Model.Saved;

/// <summary>Why a forward keeps a tensor for its backward (the inventory's "role" column).</summary>
public enum SavedRole
{
    /// <summary>A linear's input, read by its weight gradient dW = dyᵀ x (what WTA-CRS can sample).</summary>
    WeightGradientInput,

    /// <summary>Read by the input-gradient chain: LayerNorm inputs, q/k/v, the attention matrix, GELU's input.</summary>
    InputGradient,

    /// <summary>Per-row statistics (LayerNorm's mean and rstd).</summary>
    Statistics,

    /// <summary>The k rows a Cached WTA-CRS linear keeps instead of its input, pre-scaled.</summary>
    SampledRows,

    /// <summary>A Cached selection's indices, scales and winner count.</summary>
    Selection,
}

/// <summary>
/// One live entry of the store: the tensor's inventory name (its label: the module path that made
/// it), the layer that keeps it, why, the bytes it holds in the pool and how they are stored.
/// </summary>
public sealed record SavedEntryInfo(string Name, string Layer, SavedRole Role, long Bytes, SavedPrecision Precision = SavedPrecision.Fp32);
