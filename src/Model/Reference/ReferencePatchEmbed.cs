namespace CrsIlgpu.Model.Reference;

/// <summary>
/// Conv2d(C, D, kernel P, stride P) on NCHW images [B, C, S, S] → [B, N, D], patches row-major (ph, pw).
/// Written as im2col (each patch flattened in (c, i, j) order, the order of the weight [D, C, P, P])
/// followed by a Linear, which is the same sum as the convolution.
/// </summary>
public static class ReferencePatchEmbed
{
    public static double[] Forward(double[] images, double[] weight, double[] bias, int batch, int channels, int imageSize, int patchSize, int dim)
    {
        var patches = Patchify(images, batch, channels, imageSize, patchSize);
        var perSide = imageSize / patchSize;
        return ReferenceLinear.Forward(patches, weight, bias, batch * perSide * perSide, channels * patchSize * patchSize, dim);
    }

    /// <summary>Input = dImages [B, C, S, S]; Weight [D, C, P, P]; Bias [D].</summary>
    public static ReferenceLayerGradients Backward(double[] outputGradient, double[] images, double[] weight,
        int batch, int channels, int imageSize, int patchSize, int dim)
    {
        var patches = Patchify(images, batch, channels, imageSize, patchSize);
        var perSide = imageSize / patchSize;
        var linear = ReferenceLinear.Backward(outputGradient, patches, weight, batch * perSide * perSide, channels * patchSize * patchSize, dim);
        return linear with { Input = Unpatchify(linear.Input, batch, channels, imageSize, patchSize) };
    }

    /// <summary>[B, C, S, S] → [B·N, C·P·P]: row b·N + ph·(S/P) + pw holds x[b, c, ph·P + i, pw·P + j] at column (c·P + i)·P + j.</summary>
    public static double[] Patchify(double[] images, int batch, int channels, int imageSize, int patchSize)
    {
        CheckShape(imageSize, patchSize);
        ReferenceChecks.Length(images, (long)batch * channels * imageSize * imageSize, "patch-embed images");
        var perSide = imageSize / patchSize;
        var width = channels * patchSize * patchSize;
        var patches = new double[batch * perSide * perSide * width];
        ForEachPixel(batch, channels, imageSize, patchSize, (pixel, patchEntry) => patches[patchEntry] = images[pixel]);
        return patches;
    }

    /// <summary>The transpose of <see cref="Patchify"/> (patches don't overlap, so nothing is summed).</summary>
    public static double[] Unpatchify(double[] patches, int batch, int channels, int imageSize, int patchSize)
    {
        CheckShape(imageSize, patchSize);
        ReferenceChecks.Length(patches, (long)batch * channels * imageSize * imageSize, "patch-embed patches");
        var images = new double[patches.Length];
        ForEachPixel(batch, channels, imageSize, patchSize, (pixel, patchEntry) => images[pixel] = patches[patchEntry]);
        return images;
    }

    private static void ForEachPixel(int batch, int channels, int imageSize, int patchSize, Action<int, int> visit)
    {
        var perSide = imageSize / patchSize;
        var width = channels * patchSize * patchSize;
        for (var b = 0; b < batch; b++)
        for (var c = 0; c < channels; c++)
        for (var y = 0; y < imageSize; y++)
        for (var x = 0; x < imageSize; x++)
        {
            var patch = b * perSide * perSide + y / patchSize * perSide + x / patchSize;
            var column = (c * patchSize + y % patchSize) * patchSize + x % patchSize;
            visit(((b * channels + c) * imageSize + y) * imageSize + x, patch * width + column);
        }
    }

    private static void CheckShape(int imageSize, int patchSize)
    {
        if (patchSize <= 0 || imageSize % patchSize != 0)
            throw new ArgumentException($"patch-embed: image size {imageSize} must be a multiple of patch size {patchSize}");
    }
}
