namespace CrsIlgpu.Kernels.Optim;

/// <summary>How the Adam update applies weight decay.</summary>
public enum AdamDecayMode
{
    /// <summary>torch.optim.Adam(weight_decay): g ← g + wd·p before the moments (L2 penalty, scaled by Adam's denominator).</summary>
    L2,

    /// <summary>torch.optim.AdamW: p ← p − lr·wd·p before the update, independent of the moments.</summary>
    Decoupled,
}
