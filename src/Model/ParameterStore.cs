using CrsIlgpu.Kernels.Runtime.Memory;
using CrsIlgpu.Model.Checkpoint;

namespace CrsIlgpu.Model;

/// <summary>
/// Every parameter of a model by timm name, with init, host copies and safetensors save/load. The
/// values are ONE pooled allocation and the gradients another (llm.c's layout), each tensor a view at
/// its offset in layout order with no padding, so the pool's per-tag bytes are what they were with a
/// block per tensor, and the optimizer and the gradient norm run over each buffer in one launch.
/// Views keep the GEMMs' 16-byte alignment where every tensor before them has a multiple of 4
/// elements (every preset: all sizes are multiples of the width, the head's bias comes last).
/// </summary>
public sealed class ParameterStore : IDisposable
{
    private readonly Dictionary<string, Parameter> _byName;

    public ParameterStore(DeviceContext device, IReadOnlyList<ParameterShape> layout)
    {
        var total = layout.Sum(s => s.Length);
        Values = new Tensor(device.Pool, MemoryTag.Weights, "parameters", checked((int)Math.Max(total, 0)));
        Grads = new Tensor(device.Pool, MemoryTag.Gradients, "gradients", checked((int)Math.Max(total, 0)));
        var all = new List<Parameter>(layout.Count);
        var offset = 0L;
        foreach (var shape in layout)
        {
            all.Add(new Parameter(shape, offset, Values, Grads));
            offset += shape.Length;
        }
        All = all;
        _byName = All.ToDictionary(p => p.Name);
    }

    /// <summary>Every parameter's values back to back, in layout order.</summary>
    public Tensor Values { get; }

    /// <summary>Every gradient back to back, at the same offsets as <see cref="Values"/>.</summary>
    public Tensor Grads { get; }

    public IReadOnlyList<Parameter> All { get; }

    public Parameter this[string name] =>
        _byName.TryGetValue(name, out var p) ? p : throw new KeyNotFoundException($"no parameter named '{name}'");

    public long Count => All.Sum(p => p.Value.Length);

    /// <summary>timm's ViT init from one seed: truncated normal(0.02) weights and embeddings, zero biases, LayerNorm ones/zeros.</summary>
    public void Initialize(int seed)
    {
        var random = new Random(seed);
        foreach (var p in All)
        {
            var data = new float[p.Value.Length];
            switch (p.Shape.Init)
            {
                case ParameterInit.TruncNormal002:
                    TruncatedNormal.Fill(data, random);
                    break;
                case ParameterInit.Ones:
                    Array.Fill(data, 1f);
                    break;
            }
            p.Value.CopyFrom(data);
        }
    }

    public Dictionary<string, float[]> ValuesToHost() => All.ToDictionary(p => p.Name, p => p.Value.ToArray());

    public Dictionary<string, float[]> GradientsToHost() => All.ToDictionary(p => p.Name, p => p.Grad.ToArray());

    /// <summary>Loads every parameter; names, shapes and dtypes must match exactly, and the error says which does not.</summary>
    public void Load(SafetensorsContent content, string source)
    {
        var missing = All.Where(p => !content.Tensors.ContainsKey(p.Name)).Select(p => p.Name).ToList();
        if (missing.Count > 0)
            throw new CrsException($"{source}: missing parameter(s) {string.Join(", ", missing.Take(5))}" +
                $"{(missing.Count > 5 ? $" and {missing.Count - 5} more" : "")}");
        var extra = content.Tensors.Keys.Where(k => !_byName.ContainsKey(k)).ToList();
        if (extra.Count > 0)
            throw new CrsException($"{source}: unexpected tensor(s) {string.Join(", ", extra.Take(5))} (not in this model's config)");
        foreach (var p in All)
        {
            var t = content.Tensors[p.Name];
            if (t.DType != "F32")
                throw new CrsException($"{source}: '{p.Name}' has dtype {t.DType}, expected F32");
            if (!t.Shape.SequenceEqual(p.Shape.Shape))
                throw new CrsException($"{source}: '{p.Name}' has shape [{string.Join(", ", t.Shape)}], " +
                    $"this model expects [{string.Join(", ", p.Shape.Shape)}]");
        }
        foreach (var p in All)
            p.Value.CopyFrom(content.Tensors[p.Name].Data);
    }

    public void Save(string path, IReadOnlyDictionary<string, string>? metadata = null) =>
        SafetensorsFile.Write(path, All.Select(p => (p.Name, p.Shape.Shape, p.Value.ToArray())).ToList(), metadata);

    public void Dispose()
    {
        Values.Dispose();
        Grads.Dispose();
    }
}
