using CrsIlgpu.Kernels.Runtime;

namespace CrsIlgpu.Kernels.Bench;

/// <summary>Every family's bench cases, in the order `crs bench ops` prints them.</summary>
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
    ];
}
