namespace CrsIlgpu.Kernels.Sampling;

/// <summary>
/// A WTA-CRS selection of k rows: <see cref="Indices"/>[k] and <see cref="Scales"/>[k], the
/// <see cref="Winners"/> (c) rows first in sorted order with scale 1, then the k − c draws in draw order.
/// </summary>
public sealed record WtaCrsSelectionResult(int[] Indices, float[] Scales, int Winners)
{
    public int Budget => Indices.Length;
}
