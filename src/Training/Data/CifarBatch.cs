namespace CrsIlgpu.Training.Data;

/// <summary>One batch: normalised images [B, 3, 32, 32], labels [B], and the examples' dataset indices (the WTA-CRS cache keys).</summary>
public sealed record CifarBatch(float[] Images, int[] Labels, int[] Examples)
{
    public int Count => Labels.Length;
}
