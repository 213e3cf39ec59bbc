namespace CrsIlgpu.Kernels.Sampling;

/// <summary>
/// Independent WTA-CRS selections of k rows in each of <see cref="Problems"/> row sets:
/// <see cref="Indices"/> and <see cref="Scales"/> [problems, k] row-major (indices local to their
/// problem, each problem laid out like <see cref="WtaCrsSelectionResult"/>), <see cref="Winners"/> [problems].
/// </summary>
public sealed record WtaCrsBatchedSelectionResult(int[] Indices, float[] Scales, int[] Winners)
{
    public int Problems => Winners.Length;

    public int Budget => Problems == 0 ? 0 : Indices.Length / Problems;

    /// <summary>Problem <paramref name="b"/> alone.</summary>
    public WtaCrsSelectionResult Problem(int b) =>
        new(Indices[(b * Budget)..((b + 1) * Budget)], Scales[(b * Budget)..((b + 1) * Budget)], Winners[b]);
}
