namespace CrsIlgpu.Kernels.Sampling;

/// <summary>The WTA-CRS budget of docs/wtacrs.md: how many of N rows a selection keeps. The one definition (WtaCrsConfig calls it).</summary>
public static class WtaCrsBudget
{
    /// <summary>k_min of docs/wtacrs.md.</summary>
    public const int MinBudget = 10;

    /// <summary>k = min(N, max(⌊ρ·N⌋, k_min)).</summary>
    public static int For(int rows, double keepRatio, int minBudget = MinBudget)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        if (!(keepRatio >= 0 && keepRatio <= 1))
            throw new ArgumentOutOfRangeException(nameof(keepRatio), keepRatio, "the keep ratio must be in [0, 1]");
        return Math.Min(rows, Math.Max((int)Math.Floor(keepRatio * rows), minBudget));
    }
}
