using CrsIlgpu.Model;

namespace CrsIlgpu.Training.Profiling;

/// <summary>
/// `crs profile --plan`: the launches and host waits of a training step of a model too large for
/// the CPU accelerator, counted on the kernel path at a miniature of the model: the same depth,
/// heads, MLP ratio, patch size and sampled sites, a width of <see cref="WidthPerHead"/> per head,
/// two patches per side and <see cref="Batch"/> images. Every op's launches per call depend on the
/// layer structure, not on widths or row counts (each op launches a fixed number of kernels; tile
/// sizes change which GEMM kernel runs, not how many) — so the counts are the full model's; the
/// times are the miniature's and mean nothing. (A planning device launches nothing, so it cannot
/// count launches.) Batch 8 × 5 tokens = 40 rows keeps a WTA-CRS budget of ρ·40 above k_min = 10
/// for ρ > 0.25, so sampled layers sample as they would at full size.
/// </summary>
public static class StepProfilePlan
{
    public const int WidthPerHead = 4;

    public const int Batch = 8;

    public static VitConfig Miniature(VitConfig config) => config with
    {
        Dim = config.Heads * WidthPerHead,
        ImageSize = config.PatchSize * 2,
    };
}
