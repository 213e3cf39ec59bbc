namespace CrsIlgpu.Model.Sampling;

/// <summary>
/// One sampled site at one probe step: the estimate Ĝ the step applied against the exact G on the
/// same batch. Linear sites (qkv, proj, fc1, fc2): G = dW over <see cref="Rows"/> = N token rows, one
/// problem. Attention sites (av: dV = AᵀdO, qk: dK = scale·dSᵀQ): over L = <see cref="Rows"/> query
/// rows in each of <see cref="Problems"/> = B·H (batch, head) problems, the error taken over all of
/// them together and <see cref="Winners"/> the mean c per problem.
/// </summary>
/// <param name="RelativeError">‖Ĝ − G‖ / ‖G‖ (NaN when G = 0).</param>
/// <param name="Cosine">⟨Ĝ, G⟩ / (‖Ĝ‖ ‖G‖) (NaN when either is 0).</param>
/// <param name="Milliseconds">Wall time of this measurement (exact gradient, re-selection for c, read-back, sums).</param>
public sealed record ProbeMeasurement(
    int Block,
    SampledSite Site,
    int Rows,
    int Budget,
    int Problems,
    double Winners,
    double RelativeError,
    double Cosine,
    double ExactNorm,
    double SampledNorm,
    double Milliseconds);
