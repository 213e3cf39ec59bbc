namespace CrsIlgpu.Model.Reference;

/// <summary>
/// Every parameter of a <see cref="VitConfig"/> in double, by timm state-dict name, in
/// <see cref="VitParameterLayout"/> order. Also used for gradients (same names and shapes).
/// </summary>
public sealed class ReferenceParameters
{
    private const double InitStd = 0.02;
    private const double TruncationSigmas = 2.0;

    private readonly List<ReferenceTensor> tensors;
    private readonly Dictionary<string, ReferenceTensor> byName;

    private ReferenceParameters(List<ReferenceTensor> tensors)
    {
        this.tensors = tensors;
        byName = tensors.ToDictionary(t => t.Name);
    }

    /// <summary>All tensors in layout order.</summary>
    public IReadOnlyList<ReferenceTensor> Tensors => tensors;

    public IEnumerable<string> Names => tensors.Select(t => t.Name);

    public long Count => tensors.Sum(t => (long)t.Length);

    public ReferenceTensor this[string name] =>
        byName.TryGetValue(name, out var tensor) ? tensor : throw new KeyNotFoundException($"no parameter named '{name}'");

    public bool Contains(string name) => byName.ContainsKey(name);

    public static ReferenceParameters Zeros(VitConfig config) =>
        new(VitParameterLayout.For(config).Select(s => new ReferenceTensor(s.Name, (int[])s.Shape.Clone(), new double[s.Length])).ToList());

    /// <summary>
    /// timm's init as the layout names it: ones, zeros, or a normal(0, 0.02) truncated at ±2σ = ±0.04
    /// (values outside are redrawn). Draws in layout order from System.Random(seed) via Box–Muller,
    /// so the same seed always gives the same values.
    /// </summary>
    public static ReferenceParameters Initialize(VitConfig config, int seed)
    {
        var random = new Random(seed);
        var parameters = Zeros(config);
        foreach (var shape in VitParameterLayout.For(config))
        {
            var data = parameters[shape.Name].Data;
            for (var i = 0; i < data.Length; i++)
            {
                data[i] = shape.Init switch
                {
                    ParameterInit.Zeros => 0.0,
                    ParameterInit.Ones => 1.0,
                    ParameterInit.TruncNormal002 => InitStd * TruncatedStandardNormal(random),
                    _ => throw new ArgumentOutOfRangeException(nameof(config), $"unknown init {shape.Init} for {shape.Name}"),
                };
            }
        }
        return parameters;
    }

    /// <summary>Widens fp32 parameters (e.g. the fp32 model's) to double; names and lengths must match the layout exactly.</summary>
    public static ReferenceParameters FromFloats(VitConfig config, IReadOnlyDictionary<string, float[]> values)
    {
        var parameters = Zeros(config);
        var unknown = values.Keys.Where(k => !parameters.Contains(k)).ToList();
        if (unknown.Count > 0)
            throw new ArgumentException($"parameters not in the layout: {string.Join(", ", unknown)}");
        foreach (var tensor in parameters.tensors)
        {
            if (!values.TryGetValue(tensor.Name, out var source))
                throw new ArgumentException($"missing parameter '{tensor.Name}'");
            if (source.Length != tensor.Length)
                throw new ArgumentException($"{tensor.Name}: expected {tensor.Length} values, got {source.Length}");
            for (var i = 0; i < source.Length; i++)
                tensor.Data[i] = source[i];
        }
        return parameters;
    }

    /// <summary>Rounds every tensor to fp32, by name.</summary>
    public Dictionary<string, float[]> ToFloats() =>
        tensors.ToDictionary(t => t.Name, t => t.Data.Select(v => (float)v).ToArray());

    public ReferenceParameters Clone() =>
        new(tensors.Select(t => new ReferenceTensor(t.Name, (int[])t.Shape.Clone(), (double[])t.Data.Clone())).ToList());

    /// <summary>this[name] += values (how backward collects gradients).</summary>
    public void Accumulate(string name, double[] values) => ReferenceChecks.AddInto(this[name].Data, values);

    private static double TruncatedStandardNormal(Random random)
    {
        while (true)
        {
            // Box–Muller; 1 − u keeps the log's argument in (0, 1].
            var u1 = 1.0 - random.NextDouble();
            var u2 = random.NextDouble();
            var z = Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
            if (Math.Abs(z) <= TruncationSigmas)
                return z;
        }
    }
}
