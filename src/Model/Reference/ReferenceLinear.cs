namespace CrsIlgpu.Model.Reference;

/// <summary>y = x·Wᵀ + b with x [rows, in], W [out, in] (PyTorch layout), b [out].</summary>
public static class ReferenceLinear
{
    public static double[] Forward(double[] input, double[] weight, double[]? bias, int rows, int inFeatures, int outFeatures)
    {
        ReferenceChecks.Length(input, (long)rows * inFeatures, "linear input");
        ReferenceChecks.Length(weight, (long)outFeatures * inFeatures, "linear weight");
        if (bias is not null)
            ReferenceChecks.Length(bias, outFeatures, "linear bias");
        var output = new double[rows * outFeatures];
        for (var r = 0; r < rows; r++)
        {
            for (var o = 0; o < outFeatures; o++)
            {
                var sum = bias is null ? 0.0 : bias[o];
                for (var i = 0; i < inFeatures; i++)
                    sum += input[r * inFeatures + i] * weight[o * inFeatures + i];
                output[r * outFeatures + o] = sum;
            }
        }
        return output;
    }

    /// <summary>dx = dy·W, dW = dyᵀ·x, db = Σ_rows dy.</summary>
    public static ReferenceLayerGradients Backward(double[] outputGradient, double[] input, double[] weight, int rows, int inFeatures, int outFeatures)
    {
        ReferenceChecks.Length(outputGradient, (long)rows * outFeatures, "linear outputGradient");
        ReferenceChecks.Length(input, (long)rows * inFeatures, "linear input");
        ReferenceChecks.Length(weight, (long)outFeatures * inFeatures, "linear weight");
        var dInput = new double[rows * inFeatures];
        var dWeight = new double[outFeatures * inFeatures];
        var dBias = new double[outFeatures];
        for (var r = 0; r < rows; r++)
        {
            for (var o = 0; o < outFeatures; o++)
            {
                var g = outputGradient[r * outFeatures + o];
                dBias[o] += g;
                for (var i = 0; i < inFeatures; i++)
                {
                    dInput[r * inFeatures + i] += g * weight[o * inFeatures + i];
                    dWeight[o * inFeatures + i] += g * input[r * inFeatures + i];
                }
            }
        }
        return new ReferenceLayerGradients(dInput, dWeight, dBias);
    }
}

/// <summary>Gradients of a layer with one weight and one bias (Linear, LayerNorm, patch embedding).</summary>
public sealed record ReferenceLayerGradients(double[] Input, double[] Weight, double[] Bias);
