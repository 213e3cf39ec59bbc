using CrsIlgpu.Kernels.Embed;

namespace CrsIlgpu.Kernels.Tests.Embed;

public class EmbedOpTests : DeviceTests
{
    public static TheoryData<string, int, int, int, int, int> PatchCases()
    {
        var data = new TheoryData<string, int, int, int, int, int>();
        foreach (var device in new[] { "kernels", "cpu" })
        {
            data.Add(device, 1, 1, 1, 1, 1);  // a single pixel
            data.Add(device, 2, 3, 8, 12, 4); // non-square grid: 2 × 3 patches per image
            data.Add(device, 3, 5, 6, 3, 3);  // odd channels, one patch across
        }
        return data;
    }

    // B, N (tokens without the class token), D
    public static TheoryData<string, int, int, int> TokenCases()
    {
        var data = new TheoryData<string, int, int, int>();
        foreach (var device in new[] { "kernels", "cpu" })
        {
            foreach (var (b, n, d) in new[] { (1, 1, 1), (3, 4, 5), (2, 8, 33), (3, 1, 65) })
                data.Add(device, b, n, d);
        }
        return data;
    }

    [Theory]
    [KernelPath]
    [MemberData(nameof(PatchCases))]
    public void ExtractPatchesMatchesReferenceExactly(string deviceName, int batch, int channels, int height, int width, int patch)
    {
        var device = Device(deviceName);
        var images = TestData.Uniform(batch * channels * height * width, batch + channels + height);
        var rows = batch * (height / patch) * (width / patch);
        var expected = new float[rows * channels * patch * patch];
        EmbedReference.ExtractPatches(images, batch, channels, height, width, patch, expected);

        using var ti = TestData.Tensor(device, images, batch, channels, height, width);
        using var tp = TestData.Tensor(device, new float[expected.Length], rows, channels * patch * patch);
        EmbedOp.ExtractPatches(device, ti, patch, tp);
        device.Synchronize();
        Assert.Equal(expected, tp.ToArray()); // a pure copy: bit-identical
    }

    [Fact]
    public void ReferencePatchOrderIsConvWeightOrder()
    {
        // One 2-channel 4×4 image, P = 2: patch (ph = 1, pw = 0) is row 2; column (c = 1, py = 0, px = 1)
        // is 1·4 + 0·2 + 1 = 5 and holds pixel [c = 1, y = 2, x = 1] — what Conv2d's weight[:, 1, 0, 1] multiplies.
        var images = new float[2 * 4 * 4];
        for (var i = 0; i < images.Length; i++)
            images[i] = i;
        var patches = new float[4 * 8];
        EmbedReference.ExtractPatches(images, 1, 2, 4, 4, 2, patches);
        Assert.Equal((1 * 4 + 2) * 4 + 1, patches[2 * 8 + 5]);
        Assert.Equal(new float[] { 0, 1, 4, 5, 16, 17, 20, 21 }, patches[..8]);
    }

    [Fact]
    [KernelPath]
    public void ExtractPatchesRejectsSizesNotMultipleOfPatch()
    {
        var device = TestAccelerators.Kernels;
        using var images = TestData.Tensor(device, new float[2 * 3 * 6 * 8], 2, 3, 6, 8);
        using var patches = TestData.Tensor(device, new float[2 * 3 * 48], 6, 48);
        Rejects.With(() => EmbedOp.ExtractPatches(device, images, 4, patches), EmbedKernels.PatchExtractName, "[2, 3, 6, 8]", "4");
    }

    [Fact]
    public void ExtractPatchesRejectsWrongPatchesShape()
    {
        var device = TestAccelerators.CpuBackend;
        using var images = TestData.Tensor(device, new float[2 * 3 * 8 * 8], 2, 3, 8, 8);
        // 2 images × (8/4)² patches = 8 rows of 3·4·4 = 48 columns; [8, 16] is wrong.
        using var patches = TestData.Tensor(device, new float[8 * 16], 8, 16);
        Rejects.With(() => EmbedOp.ExtractPatches(device, images, 4, patches), EmbedKernels.PatchExtractName, "[8, 16]", "[8, 48]");
    }

    [Theory]
    [KernelPath]
    [MemberData(nameof(TokenCases))]
    public void ClsConcatMatchesReferenceExactly(string deviceName, int batch, int count, int dim)
    {
        var device = Device(deviceName);
        var tokens = TestData.Uniform(batch * count * dim, batch + count + dim);
        var cls = TestData.Uniform(dim, dim);
        var expected = new float[batch * (count + 1) * dim];
        EmbedReference.ClsConcat(tokens, cls, batch, count, expected);

        using var tt = TestData.Tensor(device, tokens, batch, count, dim);
        using var tc = TestData.Tensor(device, cls, dim);
        using var tx = TestData.Tensor(device, new float[expected.Length], batch, count + 1, dim);
        EmbedOp.ClsConcat(device, tt, tc, tx);
        device.Synchronize();
        Assert.Equal(expected, tx.ToArray());
    }

    [Theory]
    [KernelPath]
    [MemberData(nameof(TokenCases))]
    public void ClsSplitMatchesReference(string deviceName, int batch, int count, int dim)
    {
        var device = Device(deviceName);
        var dx = TestData.Uniform(batch * (count + 1) * dim, 3 * batch + dim);
        var expectedTokens = new float[batch * count * dim];
        var expectedCls = new float[dim];
        EmbedReference.ClsSplit(dx, batch, count, expectedTokens, expectedCls);

        using var tdx = TestData.Tensor(device, dx, batch, count + 1, dim);
        using var tdt = TestData.Tensor(device, TestData.Uniform(expectedTokens.Length, 1, 1000f), batch, count, dim);
        using var tdc = TestData.Tensor(device, TestData.Uniform(dim, 2, 1000f), dim);
        EmbedOp.ClsSplit(device, tdx, tdt, tdc);
        device.Synchronize();
        Assert.Equal(expectedTokens, tdt.ToArray()); // a copy: exact
        AssertBatchSums(expectedCls, tdc.ToArray(), batch, d => Enumerable.Range(0, batch).Sum(b => Math.Abs((double)dx[b * (count + 1) * dim + d])));
    }

    [Theory]
    [KernelPath]
    [MemberData(nameof(TokenCases))]
    public void PosAddMatchesReferenceExactly(string deviceName, int batch, int length, int dim)
    {
        var device = Device(deviceName);
        var x = TestData.Uniform(batch * length * dim, 5 * batch + dim);
        var pos = TestData.Uniform(length * dim, length + dim);
        var expected = (float[])x.Clone();
        EmbedReference.PosAdd(expected, pos);

        using var tx = TestData.Tensor(device, x, batch, length, dim);
        using var tp = TestData.Tensor(device, pos, length, dim);
        EmbedOp.PosAdd(device, tx, tp);
        device.Synchronize();
        Assert.Equal(expected, tx.ToArray()); // one fp32 add per element: bit-identical
    }

    [Theory]
    [KernelPath]
    [MemberData(nameof(TokenCases))]
    public void PosGradMatchesReference(string deviceName, int batch, int length, int dim) =>
        CheckPosGrad(Device(deviceName), batch, length, dim, EmbedKernels.DefaultGroupSize);

    // The batch sums run through the shared column-sum tile: below a warp, not a power of two, default.
    [Theory]
    [KernelPath]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(33)]
    [InlineData(100)]
    [InlineData(256)]
    public void BatchSumsAreRightForAnyGroupSize(int groupSize)
    {
        CheckPosGrad(TestAccelerators.Kernels, 37, 2, 33, groupSize);

        const int batch = 37, count = 2, dim = 65;
        var device = TestAccelerators.Kernels;
        var dx = TestData.Uniform(batch * (count + 1) * dim, groupSize);
        var expectedTokens = new float[batch * count * dim];
        var expectedCls = new float[dim];
        EmbedReference.ClsSplit(dx, batch, count, expectedTokens, expectedCls);
        using var tdx = TestData.Tensor(device, dx, batch, count + 1, dim);
        using var tdt = TestData.Tensor(device, new float[expectedTokens.Length], batch, count, dim);
        using var tdc = TestData.Tensor(device, new float[dim], dim);
        EmbedOp.ClsSplit(device, tdx, tdt, tdc, groupSize);
        device.Synchronize();
        AssertBatchSums(expectedCls, tdc.ToArray(), batch, d => Enumerable.Range(0, batch).Sum(b => Math.Abs((double)dx[b * (count + 1) * dim + d])));
    }

    [Fact]
    public void CpuBackendParallelPathsMatchReference()
    {
        // 128 × 65 × 16 = 133,120 elements: above the Parallel.For threshold.
        var device = TestAccelerators.CpuBackend;
        CheckPosGrad(device, 128, 65, 16, EmbedKernels.DefaultGroupSize);

        var images = TestData.Uniform(16 * 3 * 32 * 32, 8);
        var expected = new float[images.Length];
        EmbedReference.ExtractPatches(images, 16, 3, 32, 32, 4, expected);
        using var ti = TestData.Tensor(device, images, 16, 3, 32, 32);
        using var tp = TestData.Tensor(device, new float[images.Length], 16 * 64, 48);
        EmbedOp.ExtractPatches(device, ti, 4, tp);
        Assert.Equal(expected, tp.ToArray());
    }

    [Fact]
    [KernelPath]
    public void TokenOpsRejectShapeMismatch()
    {
        var device = TestAccelerators.Kernels;
        using var tokens = TestData.Tensor(device, new float[2 * 4 * 3], 2, 4, 3);
        using var cls = TestData.Tensor(device, new float[3], 3);
        using var wrongX = TestData.Tensor(device, new float[2 * 4 * 3], 2, 4, 3);
        var concat = Assert.Throws<ArgumentException>(() => EmbedOp.ClsConcat(device, tokens, cls, wrongX));
        Assert.Contains(EmbedKernels.ClsConcatName, concat.Message);
        Assert.Contains("[2, 4, 3]", concat.Message);
        Assert.Contains("[2, 5, 3]", concat.Message);

        using var dcls = TestData.Tensor(device, new float[4], 4);
        var split = Assert.Throws<ArgumentException>(() => EmbedOp.ClsSplit(device, wrongX, tokens, dcls));
        Assert.Contains(EmbedKernels.ClsSplitTokensName, split.Message);
        Assert.Contains("[2, 4, 3]", split.Message);
        Assert.Contains("[2, 5, 3]", split.Message);

        using var pos = TestData.Tensor(device, new float[5 * 3], 5, 3);
        var add = Assert.Throws<ArgumentException>(() => EmbedOp.PosAdd(device, tokens, pos));
        Assert.Contains(EmbedKernels.PosAddName, add.Message);
        Assert.Contains("[5, 3]", add.Message);
        Assert.Contains("[4, 3]", add.Message);

        var grad = Assert.Throws<ArgumentException>(() => EmbedOp.PosGrad(device, tokens, pos));
        Assert.Contains(EmbedKernels.PosGradName, grad.Message);
        Assert.Contains("[5, 3]", grad.Message);
        Assert.Contains("[4, 3]", grad.Message);
    }

    private static void CheckPosGrad(DeviceContext device, int batch, int length, int dim, int groupSize)
    {
        var dx = TestData.Uniform(batch * length * dim, 11 * batch + dim);
        var expected = new float[length * dim];
        EmbedReference.PosGrad(dx, expected);

        using var tdx = TestData.Tensor(device, dx, batch, length, dim);
        using var tdp = TestData.Tensor(device, TestData.Uniform(expected.Length, 4, 1000f), length, dim);
        EmbedOp.PosGrad(device, tdx, tdp, groupSize);
        device.Synchronize();
        AssertBatchSums(expected, tdp.ToArray(), batch, j => Enumerable.Range(0, batch).Sum(b => Math.Abs((double)dx[b * expected.Length + j])));
    }

    /// <summary>
    /// Sums over the batch against the double reference. Tolerance: the recursive-summation bound
    /// (B − 1)·2⁻²⁴·Σ_b |term| plus the final rounding to fp32; a dropped or doubled image is off by ~|term|.
    /// The outputs start as garbage (±1000), so they must have been overwritten.
    /// </summary>
    private static void AssertBatchSums(float[] expected, float[] got, int batch, Func<int, double> absSum)
    {
        for (var j = 0; j < expected.Length; j++)
        {
            var tolerance = Math.Max(batch - 1, 1) * Math.Pow(2, -24) * absSum(j) + 1e-7 * Math.Abs(expected[j]);
            Assert.True(Math.Abs(got[j] - expected[j]) <= tolerance, $"[{j}] = {got[j]}, expected {expected[j]} (tol {tolerance:E2})");
        }
    }
}
