namespace CrsIlgpu.Kernels.Bench;

/// <summary>
/// Every bench case: each family's cases at ViT sizes, in the order `crs bench ops` prints them, and
/// the single-kernel entries of `crs bench kernel NAME --shape ...` (checked against the reference).
/// </summary>
public static class OpBenchRegistry
{
    public static IReadOnlyList<(string Family, Func<DeviceContext, OpBenchSize, IEnumerable<IOpBenchCase>> Cases)> Families { get; } =
    [
        ("softmax", SoftmaxBench.Cases),
        ("layernorm", LayerNormBench.Cases),
        ("loss", LossBench.Cases),
        ("elementwise", ElementwiseBench.Cases),
        ("attention", AttentionBench.Cases),
        ("activation", ActivationBench.Cases),
        ("bias", BiasBench.Cases),
        ("embed", EmbedBench.Cases),
        ("optim", OptimBench.Cases),
        ("sampling", SampledGemmBench.Cases),
        ("codec", CodecBench.Cases),
    ];

    /// <summary>Kernels `crs bench kernel` can build at any shape; a new kernel adds its entry here.</summary>
    public static IReadOnlyList<KernelBenchEntry> Kernels { get; } = [.. KernelBenchCases.Entries, .. CodecBench.Entries, AxpbyBench.Entry, ResizeBench.Entry];

    /// <summary>The entry of a catalog kernel name; an unknown name is a user error listing the known ones.</summary>
    public static KernelBenchEntry Kernel(string name) =>
        Kernels.FirstOrDefault(k => k.Kernel == name)
        ?? throw new CrsException(KernelCatalog.Find(name) is null
            ? $"no benchable kernel named '{name}'; known: {string.Join(", ", Kernels.Select(k => k.Kernel))}"
            : $"kernel '{name}' is in the catalog but has no bench entry (OpBenchRegistry.Kernels); known: {string.Join(", ", Kernels.Select(k => k.Kernel))}");
}
