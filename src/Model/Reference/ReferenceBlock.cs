namespace CrsIlgpu.Model.Reference;

/// <summary>timm's Block without dropout, drop-path or layer scale: x + Attn(LN1(x)), then + Mlp(LN2(·)).</summary>
public static class ReferenceBlock
{
    public static ReferenceBlockResult Forward(double[] input, ReferenceParameters parameters, int block, VitConfig config, int batch)
    {
        var p = Prefix(block);
        var rows = batch * config.Tokens;
        var eps = (double)config.LayerNormEps;
        var norm1 = ReferenceLayerNorm.Forward(input, parameters[p + "norm1.weight"].Data, parameters[p + "norm1.bias"].Data, rows, config.Dim, eps);
        var attention = ReferenceAttention.Forward(norm1.Output,
            parameters[p + "attn.qkv.weight"].Data, parameters[p + "attn.qkv.bias"].Data,
            parameters[p + "attn.proj.weight"].Data, parameters[p + "attn.proj.bias"].Data,
            batch, config.Tokens, config.Dim, config.Heads);
        var residual = Add(input, attention.Output);
        var norm2 = ReferenceLayerNorm.Forward(residual, parameters[p + "norm2.weight"].Data, parameters[p + "norm2.bias"].Data, rows, config.Dim, eps);
        var mlp = ReferenceMlp.Forward(norm2.Output,
            parameters[p + "mlp.fc1.weight"].Data, parameters[p + "mlp.fc1.bias"].Data,
            parameters[p + "mlp.fc2.weight"].Data, parameters[p + "mlp.fc2.bias"].Data,
            rows, config.Dim, config.Hidden);
        return new ReferenceBlockResult(norm1, attention, residual, norm2, mlp, Add(residual, mlp.Output));
    }

    /// <summary>Returns dInput; adds the block's parameter gradients into <paramref name="gradients"/>.</summary>
    public static double[] Backward(double[] outputGradient, double[] input, ReferenceBlockResult forward, ReferenceParameters parameters,
        int block, VitConfig config, int batch, ReferenceParameters gradients)
    {
        var p = Prefix(block);
        var rows = batch * config.Tokens;
        var mlp = ReferenceMlp.Backward(outputGradient, forward.Norm2.Output, forward.Mlp,
            parameters[p + "mlp.fc1.weight"].Data, parameters[p + "mlp.fc2.weight"].Data, rows, config.Dim, config.Hidden);
        var norm2 = ReferenceLayerNorm.Backward(mlp.Input, forward.Residual, forward.Norm2, parameters[p + "norm2.weight"].Data, rows, config.Dim);
        // The residual stream carries the gradient straight through and also through the branch.
        var dResidual = Add(outputGradient, norm2.Input);
        var attention = ReferenceAttention.Backward(dResidual, forward.Norm1.Output, forward.Attention,
            parameters[p + "attn.qkv.weight"].Data, parameters[p + "attn.proj.weight"].Data, batch, config.Tokens, config.Dim, config.Heads);
        var norm1 = ReferenceLayerNorm.Backward(attention.Input, input, forward.Norm1, parameters[p + "norm1.weight"].Data, rows, config.Dim);

        gradients.Accumulate(p + "norm1.weight", norm1.Weight);
        gradients.Accumulate(p + "norm1.bias", norm1.Bias);
        gradients.Accumulate(p + "attn.qkv.weight", attention.QkvWeight);
        gradients.Accumulate(p + "attn.qkv.bias", attention.QkvBias);
        gradients.Accumulate(p + "attn.proj.weight", attention.ProjWeight);
        gradients.Accumulate(p + "attn.proj.bias", attention.ProjBias);
        gradients.Accumulate(p + "norm2.weight", norm2.Weight);
        gradients.Accumulate(p + "norm2.bias", norm2.Bias);
        gradients.Accumulate(p + "mlp.fc1.weight", mlp.Fc1Weight);
        gradients.Accumulate(p + "mlp.fc1.bias", mlp.Fc1Bias);
        gradients.Accumulate(p + "mlp.fc2.weight", mlp.Fc2Weight);
        gradients.Accumulate(p + "mlp.fc2.bias", mlp.Fc2Bias);
        return Add(dResidual, norm1.Input);
    }

    private static string Prefix(int block) => $"blocks.{block}.";

    private static double[] Add(double[] a, double[] b)
    {
        var sum = (double[])a.Clone();
        ReferenceChecks.AddInto(sum, b);
        return sum;
    }
}

/// <summary>
/// One pre-norm block's activations, all [B, L, D] flattened (attention probabilities and Mlp hidden aside):
/// Norm1 = LN1(input), Attention on it, Residual = input + attention, Norm2 = LN2(Residual), Mlp on it,
/// Output = Residual + mlp.
/// </summary>
public sealed record ReferenceBlockResult(
    ReferenceLayerNormResult Norm1,
    ReferenceAttentionResult Attention,
    double[] Residual,
    ReferenceLayerNormResult Norm2,
    ReferenceMlpResult Mlp,
    double[] Output);
