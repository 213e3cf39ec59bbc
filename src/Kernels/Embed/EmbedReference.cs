namespace CrsIlgpu.Kernels.Embed;

/// <summary>Plain C# of the embedding ops (row-major, NCHW images), sums in double: the ground truth.</summary>
public static class EmbedReference
{
    /// <summary>patches[b·(H/P)·(W/P) + ph·(W/P) + pw, c·P·P + py·P + px] = images[b, c, ph·P + py, pw·P + px].</summary>
    public static void ExtractPatches(ReadOnlySpan<float> images, int batch, int channels, int height, int width, int patch, Span<float> patches)
    {
        int down = height / patch, across = width / patch, rowLength = channels * patch * patch;
        for (var b = 0; b < batch; b++)
            for (var ph = 0; ph < down; ph++)
                for (var pw = 0; pw < across; pw++)
                    for (var c = 0; c < channels; c++)
                        for (var py = 0; py < patch; py++)
                            for (var px = 0; px < patch; px++)
                            {
                                var row = (b * down + ph) * across + pw;
                                var col = (c * patch + py) * patch + px;
                                patches[row * rowLength + col] = images[((b * channels + c) * height + ph * patch + py) * width + pw * patch + px];
                            }
    }

    public static void ClsConcat(ReadOnlySpan<float> tokens, ReadOnlySpan<float> cls, int batch, int tokensPerImage, Span<float> x)
    {
        var dim = cls.Length;
        for (var b = 0; b < batch; b++)
            for (var t = 0; t <= tokensPerImage; t++)
                for (var d = 0; d < dim; d++)
                    x[(b * (tokensPerImage + 1) + t) * dim + d] = t == 0 ? cls[d] : tokens[(b * tokensPerImage + t - 1) * dim + d];
    }

    public static void ClsSplit(ReadOnlySpan<float> dx, int batch, int tokensPerImage, Span<float> dtokens, Span<float> dcls)
    {
        var dim = dcls.Length;
        for (var d = 0; d < dim; d++)
        {
            double sum = 0;
            for (var b = 0; b < batch; b++)
                sum += dx[b * (tokensPerImage + 1) * dim + d];
            dcls[d] = (float)sum;
        }
        for (var b = 0; b < batch; b++)
            for (var t = 0; t < tokensPerImage; t++)
                for (var d = 0; d < dim; d++)
                    dtokens[(b * tokensPerImage + t) * dim + d] = dx[(b * (tokensPerImage + 1) + t + 1) * dim + d];
    }

    public static void PosAdd(Span<float> x, ReadOnlySpan<float> pos)
    {
        for (var i = 0; i < x.Length; i++)
            x[i] += pos[i % pos.Length];
    }

    public static void PosGrad(ReadOnlySpan<float> dx, Span<float> dpos)
    {
        var batch = dx.Length / dpos.Length;
        for (var j = 0; j < dpos.Length; j++)
        {
            double sum = 0;
            for (var b = 0; b < batch; b++)
                sum += dx[b * dpos.Length + j];
            dpos[j] = (float)sum;
        }
    }

    /// <summary>y[b, d] = x[b, 0, d]: the class-token row of each image.</summary>
    public static void ClsGather(ReadOnlySpan<float> x, int batch, int tokens, int dim, Span<float> y)
    {
        for (var b = 0; b < batch; b++)
            for (var d = 0; d < dim; d++)
                y[b * dim + d] = x[(b * tokens + 0) * dim + d];
    }

    /// <summary>dx[b, t, d] = dy[b, d] when t = 0, else 0.</summary>
    public static void ClsScatter(ReadOnlySpan<float> dy, int batch, int tokens, int dim, Span<float> dx)
    {
        for (var b = 0; b < batch; b++)
            for (var t = 0; t < tokens; t++)
                for (var d = 0; d < dim; d++)
                    dx[(b * tokens + t) * dim + d] = t == 0 ? dy[b * dim + d] : 0f;
    }
}
