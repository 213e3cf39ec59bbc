namespace CrsIlgpu.Kernels.Tests.Gemm;

/// <summary>The rule that picks the 128×128 or the 64×64 kernel (<see cref="GemmKernels.ChooseTile"/>).</summary>
public class GemmTileRuleTests
{
    [Theory]
    // Square GEMMs of the bench: 1024² has 64 tiles of 128² (small), 2048² and up 256+ (large).
    [InlineData(4096, 4096, 4096, 1, GemmTile.Large128)]
    [InlineData(2048, 2048, 2048, 1, GemmTile.Large128)]
    [InlineData(1024, 1024, 1024, 1, GemmTile.Small64)]
    // ViT linears, M = B·L rows: vit-cifar-tiny b128 (8,320 × 192 … 768), ViT-B/16 b64 (12,608 × 768 … 3,072).
    [InlineData(8320, 192, 768, 1, GemmTile.Large128)]
    [InlineData(8320, 576, 192, 1, GemmTile.Large128)]
    [InlineData(12608, 3072, 768, 1, GemmTile.Large128)]
    // Weight gradients (TN): out × in, K = rows. 192 × 192 is 4 tiles: small.
    [InlineData(192, 192, 8320, 1, GemmTile.Small64)]
    [InlineData(768, 3072, 12608, 1, GemmTile.Large128)]
    // Batched attention: 197² per (image, head), 384 of them: large; 65² (M < 128): small.
    [InlineData(197, 197, 64, 384, GemmTile.Large128)]
    [InlineData(65, 65, 64, 384, GemmTile.Small64)]
    [InlineData(197, 64, 197, 384, GemmTile.Small64)]
    // Skinny: one side under 128 always takes the small tile.
    [InlineData(100000, 64, 64, 1, GemmTile.Small64)]
    [InlineData(1, 768, 768, 1, GemmTile.Small64)]
    public void PicksTheLargeTileForLargeShapes(int m, int n, int k, int batch, GemmTile expected)
    {
        var p = GemmProblem.Create(GemmLayout.NN, m, n, k, batch);
        Assert.Equal(expected, GemmKernels.ChooseTile(p));
        string name = GemmKernels.KernelNameFor(p);
        Assert.Equal(expected == GemmTile.Large128 ? "gemm_nn_128" : "gemm_nn", name);
    }

    [Fact]
    public void ThresholdIsTheGroupCountOfTheLargeTiles()
    {
        // 16 × 8 = 128 tiles: large; 127 row-tiles × 1 column-tile would be skinny, so use 15 × 8 = 120: small.
        Assert.Equal(GemmTile.Large128, GemmKernels.ChooseTile(GemmProblem.Create(GemmLayout.NT, 16 * 128, 8 * 128, 64)));
        Assert.Equal(GemmTile.Small64, GemmKernels.ChooseTile(GemmProblem.Create(GemmLayout.NT, 15 * 128, 8 * 128, 64)));
        // The batch counts: 4 tiles × 32 = 128.
        Assert.Equal(GemmTile.Large128, GemmKernels.ChooseTile(GemmProblem.Create(GemmLayout.TN, 256, 256, 64, batch: 32)));
        Assert.Equal(GemmTile.Small64, GemmKernels.ChooseTile(GemmProblem.Create(GemmLayout.TN, 256, 256, 64, batch: 31)));
    }
}
