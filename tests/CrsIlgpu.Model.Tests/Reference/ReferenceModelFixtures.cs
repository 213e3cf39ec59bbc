namespace CrsIlgpu.Model.Tests.Reference;

/// <summary>Tiny models with parameters far from init, so every path (biases, LayerNorm affine) carries real gradient.</summary>
internal static class ReferenceModelFixtures
{
    public static VitConfig Tiny => new()
    {
        Name = "reference-tiny", ImageSize = 8, PatchSize = 4, Channels = 3, Dim = 8, Depth = 2, Heads = 2, MlpRatio = 4, NumClasses = 5,
    };

    public static ReferenceParameters RandomParameters(VitConfig config, Random random)
    {
        var parameters = ReferenceParameters.Zeros(config);
        foreach (var tensor in parameters.Tensors)
        {
            // LayerNorm weights around 1, everything else around 0 at a scale that keeps softmax and GELU non-linear.
            var isNormWeight = tensor.Name.EndsWith("norm1.weight", StringComparison.Ordinal) || tensor.Name.EndsWith("norm2.weight", StringComparison.Ordinal)
                || tensor.Name == "norm.weight";
            var values = GradientCheck.RandomArray(random, tensor.Length, scale: isNormWeight ? 0.3 : 0.5, offset: isNormWeight ? 1.0 : 0.0);
            Array.Copy(values, tensor.Data, values.Length);
        }
        return parameters;
    }
}
