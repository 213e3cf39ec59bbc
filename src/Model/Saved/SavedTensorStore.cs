using CrsIlgpu.Kernels.Codec;
using CrsIlgpu.Kernels.Runtime.Memory;
using CrsIlgpu.Kernels.Sampling;

namespace CrsIlgpu.Model.Saved;

/// <summary>
/// The one owner of what a training step's forward keeps for its backward (llm.c's
/// <c>ActivationTensors</c>, as a tape): a layer's forward puts each tensor here under its layer and a
/// local key, with its role; the layer's backward takes it back; <see cref="EndStep"/> frees whatever
/// is left. Keeping moves the tensor's pool bytes to <see cref="MemoryTag.SavedForBackward"/>, so the
/// store's <see cref="Entries"/> are exactly the pool's saved bytes. A forward with no store (null) is
/// inference: nothing is kept. Entries read by several backwards (<c>readers</c>) are freed by the last one.
/// With a <see cref="SavedPrecisionPolicy"/> that encodes, <see cref="Seal"/> (called by the model after
/// each block's forward, when nothing reads the block's tensors any more) replaces each kept fp32 tensor
/// by its bf16 or int8 encoding, and every <see cref="Take{T}"/> decodes into a workspace that lives as
/// long as its lease: one layer's backward.
/// </summary>
public sealed class SavedTensorStore(DeviceContext device, SavedPrecisionPolicy? precision = null)
{
    private readonly MemoryPool _pool = device.Pool;
    private readonly Dictionary<(string Layer, string Key), Entry> _entries = [];
    private long _order;

    /// <summary>How kept tensors are stored.</summary>
    public SavedPrecisionPolicy Precision { get; } = precision ?? SavedPrecisionPolicy.Fp32;

    /// <summary>Number of entries live now.</summary>
    public int Count => _entries.Count;

    /// <summary>Entries the last <see cref="EndStep"/> found and freed (0 after a full step: every kept tensor was read).</summary>
    public int LeftAtLastEnd { get; private set; }

    /// <summary>Keeps <paramref name="tensor"/> (the store now owns it) for <paramref name="readers"/> backward reads.</summary>
    public void Keep(string layer, string key, SavedRole role, Tensor tensor, int readers = 1)
    {
        if (!tensor.OwnsMemory)
            throw new ArgumentException($"{layer}: '{tensor.Label}' is a view; keep the tensor that owns the memory");
        Add(layer, key, role, tensor, tensor.Label ?? key, readers, Precision.For(key, role), tensor.Block);
    }

    /// <summary>Keeps a Cached linear's selection (indices, scales, winner count) for one backward read.</summary>
    public void Keep(string layer, string key, WtaCrsSelectionBuffers selection) =>
        Add(layer, key, SavedRole.Selection, selection, layer + "." + key, 1, SavedPrecision.Fp32,
            selection.Indices.Block, selection.Scales.Block, selection.Winners.Block);

    /// <summary>Whether the store holds an entry under this layer and key.</summary>
    public bool Holds(string layer, string key) => _entries.ContainsKey((layer, key));

    /// <summary>Whether <paramref name="tensor"/> is kept under any key (its producer must then not free it).</summary>
    public bool Holds(Tensor tensor) => _entries.Values.Any(e => ReferenceEquals(e.Item, tensor));

    /// <summary>
    /// The entry for one backward read; disposing the lease is this reader's end, and the last
    /// reader's end frees the entry.
    /// </summary>
    public SavedLease<T> Take<T>(string layer, string key)
        where T : class, IDisposable
    {
        if (!_entries.TryGetValue((layer, key), out var entry))
            throw new InvalidOperationException($"{layer}: backward without forward (nothing kept as '{key}')");
        var decodes = entry.Item is EncodedTensor && typeof(T) == typeof(Tensor);
        if (entry.Item is not T && !decodes)
            throw new InvalidOperationException($"{layer}: '{key}' holds a {entry.Item.GetType().Name}, not a {typeof(T).Name}");
        if (entry.Leases >= entry.Readers)
            throw new InvalidOperationException($"{layer}: '{key}' was kept for {entry.Readers} read(s) and all are taken");
        entry.Leases++;
        if (decodes)
        {
            var encoded = (EncodedTensor)entry.Item;
            var decoded = new Tensor(_pool, MemoryTag.Workspace, encoded.Label + ".decoded", encoded.Shape);
            CodecOp.Decode(device, encoded, decoded);
            return new SavedLease<T>((decoded as T)!, () =>
            {
                decoded.Dispose();
                Done(layer, key, entry);
            });
        }
        return new SavedLease<T>((T)entry.Item, () => Done(layer, key, entry));
    }

    /// <summary>
    /// Encodes every entry kept since the last seal whose policy is not fp32 (the fp32 tensor is freed).
    /// Only once the forward no longer reads or writes them: the model calls it after each block.
    /// </summary>
    public void Seal()
    {
        foreach (var entry in _entries.Values.Where(e => e.Pending != SavedPrecision.Fp32 && e.Item is Tensor).OrderBy(e => e.Order).ToList())
        {
            var tensor = (Tensor)entry.Item;
            var encoded = CodecOp.Encode(device, tensor, entry.Pending, MemoryTag.SavedForBackward, tensor.Label);
            tensor.Dispose();
            entry.Item = encoded;
            entry.Bytes = encoded.Bytes;
            entry.Precision = entry.Pending;
            entry.Pending = SavedPrecision.Fp32;
        }
    }

    /// <summary>Shorthand for a tensor entry.</summary>
    public SavedLease<Tensor> Take(string layer, string key) => Take<Tensor>(layer, key);

    /// <summary>The live entries in the order they were kept.</summary>
    public IReadOnlyList<SavedEntryInfo> Entries =>
        _entries.Values.OrderBy(e => e.Order).Select(e => new SavedEntryInfo(e.Name, e.Layer, e.Role, e.Bytes, e.Precision)).ToList();

    /// <summary>Frees every entry still held (a forward with no backward, or a backward that stopped midway).</summary>
    public void EndStep()
    {
        LeftAtLastEnd = _entries.Count;
        foreach (var entry in _entries.Values.OrderBy(e => e.Order))
            entry.Item.Dispose();
        _entries.Clear();
    }

    private void Add(string layer, string key, SavedRole role, IDisposable item, string name, int readers, SavedPrecision pending,
        params PoolBlock[] blocks)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(readers, 1);
        if (!_entries.TryAdd((layer, key), new Entry(layer, name, role, item, readers, blocks.Sum(b => b.Requested), _order++) { Pending = pending }))
            throw new InvalidOperationException($"{layer}: '{key}' is kept twice in one step (the last backward did not take it)");
        foreach (var block in blocks)
            _pool.Retag(block, MemoryTag.SavedForBackward);
    }

    private void Done(string layer, string key, Entry entry)
    {
        entry.Leases--;
        entry.Readers--;
        if (entry.Readers > 0)
            return;
        _entries.Remove((layer, key));
        entry.Item.Dispose();
    }

    private sealed class Entry(string layer, string name, SavedRole role, IDisposable item, int readers, long bytes, long order)
    {
        public string Layer { get; } = layer;
        public string Name { get; } = name;
        public SavedRole Role { get; } = role;
        public IDisposable Item { get; set; } = item;
        public long Bytes { get; set; } = bytes;
        public SavedPrecision Precision { get; set; } = SavedPrecision.Fp32;
        /// <summary>The precision <see cref="Seal"/> encodes it in (fp32: left as is, or already sealed).</summary>
        public SavedPrecision Pending { get; set; } = SavedPrecision.Fp32;
        public long Order { get; } = order;
        public int Readers { get; set; } = readers;
        public int Leases { get; set; }
    }
}
