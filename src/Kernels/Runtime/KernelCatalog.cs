namespace CrsIlgpu.Kernels.Runtime;

/// <summary>Every kernel of the project by its stable name, for the PTX gate, benches and the profiler.</summary>
public static class KernelCatalog
{
    private static readonly Lazy<IReadOnlyList<KernelEntry>> Entries = new(() =>
    {
        var all = new List<KernelEntry>();
        // Each kernel family adds its entries here.
        all.AddRange(Gemm.GemmKernels.Catalog);
        all.AddRange(Gemm.GemmLargeKernels.Catalog);
        all.AddRange(Elementwise.ElementwiseKernels.Catalog);
        all.AddRange(Attention.AttentionKernels.Catalog);
        all.AddRange(Optim.OptimKernels.Catalog);
        all.AddRange(Activation.ActivationKernels.Catalog);
        all.AddRange(Bias.BiasKernels.Catalog);
        all.AddRange(Embed.EmbedKernels.Catalog);
        all.AddRange(Softmax.SoftmaxKernels.Catalog);
        all.AddRange(LayerNorm.LayerNormKernels.Catalog);
        all.AddRange(Loss.LossKernels.Catalog);
        all.AddRange(Loss.AccuracyKernels.Catalog);
        all.AddRange(Sampling.SampledGemmKernels.Catalog);
        all.AddRange(Sampling.SelectionKernels.Catalog);
        all.AddRange(Sampling.RowGatherKernels.Catalog);
        all.AddRange(Sampling.GradNormCacheKernels.Catalog);
        all.AddRange(Example.AxpbyKernels.Catalog);
        var names = all.GroupBy(e => e.Name).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        if (names.Count > 0)
            throw new InvalidOperationException("duplicate kernel names: " + string.Join(", ", names));
        return all;
    });

    public static IReadOnlyList<KernelEntry> All => Entries.Value;

    /// <summary>The entry of that name, or null (CPU-backend-only profile names such as "layernorm_backward" have none).</summary>
    public static KernelEntry? Find(string name) => All.FirstOrDefault(e => e.Name == name);

    public static KernelEntry Get(string name) =>
        All.FirstOrDefault(e => e.Name == name)
        ?? throw new CrsException($"no kernel named '{name}'; known kernels: {string.Join(", ", All.Select(e => e.Name))}");
}
