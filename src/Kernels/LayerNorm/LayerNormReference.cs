namespace CrsIlgpu.Kernels.LayerNorm;

/// <summary>Plain C# LayerNorm (double accumulation, biased variance as PyTorch), the ground truth of the tests.</summary>
public static class LayerNormReference
{
    public static void Forward(
        ReadOnlySpan<float> x, ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta,
        Span<float> y, Span<float> mean, Span<float> rstd, int d, float eps)
    {
        var rows = x.Length / d;
        for (var r = 0; r < rows; r++)
        {
            var row = x.Slice(r * d, d);
            var mu = 0.0;
            for (var j = 0; j < d; j++)
                mu += row[j];
            mu /= d;
            var variance = 0.0;
            for (var j = 0; j < d; j++)
                variance += (row[j] - mu) * (row[j] - mu);
            variance /= d;
            var rs = 1.0 / Math.Sqrt(variance + eps);
            for (var j = 0; j < d; j++)
                y[r * d + j] = (float)((row[j] - mu) * rs * gamma[j] + beta[j]);
            mean[r] = (float)mu;
            rstd[r] = (float)rs;
        }
    }

    /// <summary>x = x̂/rstd + mean with x̂ = (y − β)/γ (0 where γ = 0): the input the backward needs, from the output.</summary>
    public static void RecoverInput(
        ReadOnlySpan<float> y, ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta,
        ReadOnlySpan<float> mean, ReadOnlySpan<float> rstd, Span<float> x, int d)
    {
        for (var i = 0; i < y.Length; i++)
        {
            int row = i / d, j = i % d;
            var xhat = gamma[j] != 0f ? (y[i] - beta[j]) / gamma[j] : 0f;
            x[i] = xhat / rstd[row] + mean[row];
        }
    }

    /// <summary>dx, and dgamma and dbeta overwritten with the sums over rows.</summary>
    public static void Backward(
        ReadOnlySpan<float> x, ReadOnlySpan<float> mean, ReadOnlySpan<float> rstd, ReadOnlySpan<float> gamma,
        ReadOnlySpan<float> dy, Span<float> dx, Span<float> dgamma, Span<float> dbeta, int d)
    {
        var rows = x.Length / d;
        var sumGamma = new double[d];
        var sumBeta = new double[d];
        var xhat = new double[d];
        for (var r = 0; r < rows; r++)
        {
            double meanG = 0, meanGx = 0;
            for (var j = 0; j < d; j++)
            {
                var k = r * d + j;
                xhat[j] = (x[k] - (double)mean[r]) * rstd[r];
                var g = (double)dy[k] * gamma[j];
                meanG += g;
                meanGx += g * xhat[j];
                sumGamma[j] += dy[k] * xhat[j];
                sumBeta[j] += dy[k];
            }
            meanG /= d;
            meanGx /= d;
            for (var j = 0; j < d; j++)
            {
                var k = r * d + j;
                dx[k] = (float)(rstd[r] * ((double)dy[k] * gamma[j] - meanG - xhat[j] * meanGx));
            }
        }
        for (var j = 0; j < d; j++)
        {
            dgamma[j] = (float)sumGamma[j];
            dbeta[j] = (float)sumBeta[j];
        }
    }

    /// <summary>
    /// dgamma and dbeta in fp32 with the kernels' exact order of additions: per column, sums over
    /// blocks of <see cref="LayerNormKernels.RowsPerBlock"/> rows, then over chunks of
    /// <see cref="LayerNormKernels.BlocksPerChunk"/> blocks, then over the chunks — what the device
    /// must reproduce bit for bit (it uses no atomics).
    /// </summary>
    public static void ParamGradsInKernelOrder(
        ReadOnlySpan<float> x, ReadOnlySpan<float> mean, ReadOnlySpan<float> rstd, ReadOnlySpan<float> dy,
        Span<float> dgamma, Span<float> dbeta, int rows, int d)
    {
        var blocks = LayerNormKernels.ParamBlocks(rows);
        var chunks = LayerNormKernels.ParamChunks(rows);
        for (var j = 0; j < d; j++)
        {
            var blockGamma = new float[blocks];
            var blockBeta = new float[blocks];
            for (var b = 0; b < blocks; b++)
            {
                for (var r = b * LayerNormKernels.RowsPerBlock; r < Math.Min(rows, (b + 1) * LayerNormKernels.RowsPerBlock); r++)
                {
                    var g = dy[r * d + j];
                    blockGamma[b] += g * (x[r * d + j] - mean[r]) * rstd[r];
                    blockBeta[b] += g;
                }
            }
            float sg = 0f, sb = 0f;
            for (var c = 0; c < chunks; c++)
            {
                float cg = 0f, cb = 0f;
                for (var b = c * LayerNormKernels.BlocksPerChunk; b < Math.Min(blocks, (c + 1) * LayerNormKernels.BlocksPerChunk); b++)
                {
                    cg += blockGamma[b];
                    cb += blockBeta[b];
                }
                sg += cg;
                sb += cb;
            }
            dgamma[j] = sg;
            dbeta[j] = sb;
        }
    }
}
