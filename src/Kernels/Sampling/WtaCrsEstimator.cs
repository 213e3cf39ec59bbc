namespace CrsIlgpu.Kernels.Sampling;

/// <summary>
/// What a selection keeps. <see cref="WtaCrs"/>: the unbiased estimator of docs/wtacrs.md (c winners
/// with scale 1, k − c scaled random draws). <see cref="TopK"/>: the seed report's BIASED baseline —
/// the k rows with the largest scores (ties to the lower row), every one with scale 1, no draws and no
/// rescaling, so the estimate is the partial sum over those rows and misses the rest of the mass.
/// </summary>
public enum WtaCrsEstimator
{
    WtaCrs,
    TopK,
}
