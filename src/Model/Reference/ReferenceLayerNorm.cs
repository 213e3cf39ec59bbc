namespace CrsIlgpu.Model.Reference;

/// <summary>LayerNorm over the last dimension with the biased variance, as nn.LayerNorm.</summary>
public static class ReferenceLayerNorm
{
    public static ReferenceLayerNormResult Forward(double[] input, double[] weight, double[] bias, int rows, int width, double eps)
    {
        ReferenceChecks.Length(input, (long)rows * width, "layernorm input");
        ReferenceChecks.Length(weight, width, "layernorm weight");
        ReferenceChecks.Length(bias, width, "layernorm bias");
        var output = new double[rows * width];
        var means = new double[rows];
        var rstds = new double[rows];
        for (var r = 0; r < rows; r++)
        {
            var mean = 0.0;
            for (var i = 0; i < width; i++)
                mean += input[r * width + i];
            mean /= width;
            var variance = 0.0;
            for (var i = 0; i < width; i++)
            {
                var d = input[r * width + i] - mean;
                variance += d * d;
            }
            variance /= width;
            var rstd = 1.0 / Math.Sqrt(variance + eps);
            for (var i = 0; i < width; i++)
                output[r * width + i] = (input[r * width + i] - mean) * rstd * weight[i] + bias[i];
            means[r] = mean;
            rstds[r] = rstd;
        }
        return new ReferenceLayerNormResult(output, means, rstds);
    }

    /// <summary>
    /// With x̂ = (x − mean)·rstd and g = dy·w: dx = rstd·(g − mean(g) − x̂·mean(g·x̂)),
    /// dw = Σ_rows dy·x̂, db = Σ_rows dy.
    /// </summary>
    public static ReferenceLayerGradients Backward(double[] outputGradient, double[] input, ReferenceLayerNormResult forward,
        double[] weight, int rows, int width)
    {
        ReferenceChecks.Length(outputGradient, (long)rows * width, "layernorm outputGradient");
        ReferenceChecks.Length(input, (long)rows * width, "layernorm input");
        var dInput = new double[rows * width];
        var dWeight = new double[width];
        var dBias = new double[width];
        var normalized = new double[width];
        var g = new double[width];
        for (var r = 0; r < rows; r++)
        {
            var meanG = 0.0;
            var meanGx = 0.0;
            for (var i = 0; i < width; i++)
            {
                var dy = outputGradient[r * width + i];
                normalized[i] = (input[r * width + i] - forward.Mean[r]) * forward.Rstd[r];
                g[i] = dy * weight[i];
                meanG += g[i];
                meanGx += g[i] * normalized[i];
                dWeight[i] += dy * normalized[i];
                dBias[i] += dy;
            }
            meanG /= width;
            meanGx /= width;
            for (var i = 0; i < width; i++)
                dInput[r * width + i] = forward.Rstd[r] * (g[i] - meanG - normalized[i] * meanGx);
        }
        return new ReferenceLayerGradients(dInput, dWeight, dBias);
    }
}

/// <summary>LayerNorm forward: the output [rows, width] and, per row, the mean and 1/√(var + eps).</summary>
public sealed record ReferenceLayerNormResult(double[] Output, double[] Mean, double[] Rstd);
