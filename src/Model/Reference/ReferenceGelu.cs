namespace CrsIlgpu.Model.Reference;

/// <summary>GELU in the exact erf form, as nn.GELU() (approximate='none') in timm's Mlp.</summary>
public static class ReferenceGelu
{
    private static readonly double InvSqrt2 = 1.0 / Math.Sqrt(2.0);
    private static readonly double InvSqrt2Pi = 1.0 / Math.Sqrt(2.0 * Math.PI);

    /// <summary>0.5·x·(1 + erf(x/√2)).</summary>
    public static double Value(double x) => 0.5 * x * (1.0 + ReferenceMath.Erf(x * InvSqrt2));

    /// <summary>d/dx: Φ(x) + x·φ(x).</summary>
    public static double Derivative(double x) =>
        0.5 * (1.0 + ReferenceMath.Erf(x * InvSqrt2)) + x * Math.Exp(-0.5 * x * x) * InvSqrt2Pi;

    public static double[] Forward(double[] input)
    {
        var output = new double[input.Length];
        for (var i = 0; i < input.Length; i++)
            output[i] = Value(input[i]);
        return output;
    }

    /// <summary>dInput from dOutput and the forward's input.</summary>
    public static double[] Backward(double[] outputGradient, double[] input)
    {
        ReferenceChecks.Length(outputGradient, input.Length, "gelu outputGradient");
        var inputGradient = new double[input.Length];
        for (var i = 0; i < input.Length; i++)
            inputGradient[i] = outputGradient[i] * Derivative(input[i]);
        return inputGradient;
    }
}
