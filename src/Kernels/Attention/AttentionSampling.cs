namespace CrsIlgpu.Kernels.Attention;

/// <summary>
/// Which of attention's query-row sums the backward estimates by WTA-CRS (docs/wtacrs.md): dV = Aᵀ dO
/// when <see cref="ValueLayer"/> is set (scores ‖A_i‖·‖dO_i‖), dK = scale·dSᵀ Q when
/// <see cref="KeyLayer"/> is set (scores ‖dS_i‖·‖Q_i‖). <see cref="Budget"/> k query rows per
/// (batch, head); each estimate draws from its own Philox stream (seed, step, layer, problem).
/// dQ, dA and dS stay exact. <see cref="Estimator"/> TopK: the biased top-k baseline instead.
/// </summary>
public sealed record AttentionSampling(int Budget, uint Seed, ulong Step, uint? ValueLayer, uint? KeyLayer,
    Sampling.WtaCrsEstimator Estimator = Sampling.WtaCrsEstimator.WtaCrs);
