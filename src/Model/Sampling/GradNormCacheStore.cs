using CrsIlgpu.Kernels.Sampling;

namespace CrsIlgpu.Model.Sampling;

/// <summary>
/// The Cached policy's memory of ‖G‖ per (example, token), one table per sampled layer, kept in host
/// memory: a dataset-sized table per layer (CIFAR-10 with vit-cifar-tiny: 50,000 × 65 floats, 13 MB,
/// times 18 layers) would cost more device memory than sampling saves. Each step moves only the
/// batch's rows: gathered into a small device tensor at forward, the new norms copied back at backward.
/// </summary>
public sealed class GradNormCacheStore(int slots)
{
    private readonly Dictionary<string, float[]> _tables = [];

    /// <summary>Examples the tables hold a row for (the dataset size).</summary>
    public int Slots { get; } = slots;

    /// <summary>Every layer's table, by layer name ([slots × tokens], <see cref="GradNormCacheReference.Unseen"/> = nothing seen yet).</summary>
    public IReadOnlyDictionary<string, float[]> Tables => _tables;

    public long Bytes => _tables.Values.Sum(t => 4L * t.Length);

    /// <summary>The table of <paramref name="layer"/>, created empty on first use.</summary>
    public float[] For(string layer, int tokens)
    {
        if (!_tables.TryGetValue(layer, out var table))
        {
            _tables[layer] = table = new float[checked(Slots * tokens)];
            Array.Fill(table, GradNormCacheReference.Unseen);
        }
        if (table.Length != (long)Slots * tokens)
            throw new CrsException($"gradient-norm cache of '{layer}' holds {table.Length} values, expected {Slots} examples × {tokens} tokens");
        return table;
    }

    /// <summary>Puts back a table read from a checkpoint.</summary>
    public void Restore(string layer, float[] table)
    {
        if (Slots == 0 || table.Length % Slots != 0)
            throw new CrsException($"gradient-norm cache of '{layer}' holds {table.Length} values, not a multiple of {Slots} examples");
        _tables[layer] = table;
    }

    /// <summary>Row-major [examples, tokens] of the batch's rows, for the device.</summary>
    public static float[] Gather(float[] table, IReadOnlyList<int> examples, int tokens)
    {
        var rows = new float[examples.Count * tokens];
        for (var b = 0; b < examples.Count; b++)
            Array.Copy(table, (long)examples[b] * tokens, rows, (long)b * tokens, tokens);
        return rows;
    }
}
