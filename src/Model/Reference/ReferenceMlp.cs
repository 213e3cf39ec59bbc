namespace CrsIlgpu.Model.Reference;

/// <summary>timm's Mlp: fc1 (dim → hidden), exact GELU, fc2 (hidden → dim); no dropout.</summary>
public static class ReferenceMlp
{
    public static ReferenceMlpResult Forward(double[] input, double[] fc1Weight, double[] fc1Bias, double[] fc2Weight, double[] fc2Bias,
        int rows, int dim, int hidden)
    {
        var h = ReferenceLinear.Forward(input, fc1Weight, fc1Bias, rows, dim, hidden);
        var a = ReferenceGelu.Forward(h);
        var output = ReferenceLinear.Forward(a, fc2Weight, fc2Bias, rows, hidden, dim);
        return new ReferenceMlpResult(h, a, output);
    }

    public static ReferenceMlpGradients Backward(double[] outputGradient, double[] input, ReferenceMlpResult forward,
        double[] fc1Weight, double[] fc2Weight, int rows, int dim, int hidden)
    {
        var fc2 = ReferenceLinear.Backward(outputGradient, forward.Activated, fc2Weight, rows, hidden, dim);
        var dHidden = ReferenceGelu.Backward(fc2.Input, forward.Hidden);
        var fc1 = ReferenceLinear.Backward(dHidden, input, fc1Weight, rows, dim, hidden);
        return new ReferenceMlpGradients(fc1.Input, fc1.Weight, fc1.Bias, fc2.Weight, fc2.Bias);
    }
}

/// <summary>Gradients of <see cref="ReferenceMlp"/>: its input and fc1's and fc2's weights and biases.</summary>
public sealed record ReferenceMlpGradients(double[] Input, double[] Fc1Weight, double[] Fc1Bias, double[] Fc2Weight, double[] Fc2Bias);

/// <summary>Mlp forward: fc1's output [rows, hidden] (GELU's input), GELU's output, and fc2's output [rows, dim].</summary>
public sealed record ReferenceMlpResult(double[] Hidden, double[] Activated, double[] Output);
