namespace CrsIlgpu.Model.Reference;

/// <summary>
/// timm's Attention: qkv Linear → [B, L, 3, H, Dh] (q part 0, k 1, v 2; head h owns columns
/// h·Dh..h·Dh+Dh−1 of its part) → softmax(q·kᵀ/√Dh)·v per (b, h) → heads merged head-major → proj Linear.
/// </summary>
public static class ReferenceAttention
{
    public static ReferenceAttentionResult Forward(double[] input, double[] qkvWeight, double[] qkvBias, double[] projWeight, double[] projBias,
        int batch, int tokens, int dim, int heads)
    {
        var rows = batch * tokens;
        var qkv = ReferenceLinear.Forward(input, qkvWeight, qkvBias, rows, dim, 3 * dim);
        var core = CoreForward(qkv, batch, tokens, dim, heads);
        var output = ReferenceLinear.Forward(core.Merged, projWeight, projBias, rows, dim, dim);
        return new ReferenceAttentionResult(qkv, core.Probabilities, core.Merged, output);
    }

    public static ReferenceAttentionGradients Backward(double[] outputGradient, double[] input, ReferenceAttentionResult forward,
        double[] qkvWeight, double[] projWeight, int batch, int tokens, int dim, int heads)
    {
        var rows = batch * tokens;
        var proj = ReferenceLinear.Backward(outputGradient, forward.Merged, projWeight, rows, dim, dim);
        var dQkv = CoreBackward(proj.Input, forward.Qkv, forward.Probabilities, batch, tokens, dim, heads);
        var qkv = ReferenceLinear.Backward(dQkv, input, qkvWeight, rows, dim, 3 * dim);
        return new ReferenceAttentionGradients(qkv.Input, qkv.Weight, qkv.Bias, proj.Weight, proj.Bias);
    }

    /// <summary>The part between the two Linears: qkv [B, L, 3D] → probabilities and merged heads.</summary>
    public static ReferenceAttentionCoreResult CoreForward(double[] qkv, int batch, int tokens, int dim, int heads)
    {
        CheckShape(dim, heads);
        ReferenceChecks.Length(qkv, (long)batch * tokens * 3 * dim, "attention qkv");
        var headDim = dim / heads;
        var scale = 1.0 / Math.Sqrt(headDim);
        var probabilities = new double[batch * heads * tokens * tokens];
        var merged = new double[batch * tokens * dim];
        var scores = new double[tokens];
        for (var b = 0; b < batch; b++)
        {
            for (var h = 0; h < heads; h++)
            {
                for (var i = 0; i < tokens; i++)
                {
                    var max = double.NegativeInfinity;
                    for (var j = 0; j < tokens; j++)
                    {
                        var dot = 0.0;
                        for (var e = 0; e < headDim; e++)
                            dot += qkv[Index(b, i, 0, h, e)] * qkv[Index(b, j, 1, h, e)];
                        scores[j] = dot * scale;
                        max = Math.Max(max, scores[j]);
                    }
                    // Subtracting the row max changes nothing mathematically and keeps exp finite.
                    var sum = 0.0;
                    for (var j = 0; j < tokens; j++)
                    {
                        scores[j] = Math.Exp(scores[j] - max);
                        sum += scores[j];
                    }
                    var pRow = ((b * heads + h) * tokens + i) * tokens;
                    for (var j = 0; j < tokens; j++)
                        probabilities[pRow + j] = scores[j] / sum;
                    for (var e = 0; e < headDim; e++)
                    {
                        var acc = 0.0;
                        for (var j = 0; j < tokens; j++)
                            acc += probabilities[pRow + j] * qkv[Index(b, j, 2, h, e)];
                        merged[(b * tokens + i) * dim + h * headDim + e] = acc;
                    }
                }
            }
        }
        return new ReferenceAttentionCoreResult(probabilities, merged);

        int Index(int b, int t, int part, int h, int e) => (b * tokens + t) * 3 * dim + part * dim + h * headDim + e;
    }

    /// <summary>
    /// dQkv from dMerged: dP = dO·vᵀ, dV = Pᵀ·dO, dS = P ⊙ (dP − rowsum(P ⊙ dP)),
    /// dQ = dS·k/√Dh, dK = dSᵀ·q/√Dh.
    /// </summary>
    public static double[] CoreBackward(double[] mergedGradient, double[] qkv, double[] probabilities, int batch, int tokens, int dim, int heads)
    {
        CheckShape(dim, heads);
        ReferenceChecks.Length(mergedGradient, (long)batch * tokens * dim, "attention mergedGradient");
        ReferenceChecks.Length(qkv, (long)batch * tokens * 3 * dim, "attention qkv");
        ReferenceChecks.Length(probabilities, (long)batch * heads * tokens * tokens, "attention probabilities");
        var headDim = dim / heads;
        var scale = 1.0 / Math.Sqrt(headDim);
        var dQkv = new double[qkv.Length];
        var dP = new double[tokens];
        for (var b = 0; b < batch; b++)
        {
            for (var h = 0; h < heads; h++)
            {
                for (var i = 0; i < tokens; i++)
                {
                    var pRow = ((b * heads + h) * tokens + i) * tokens;
                    var dO = (b * tokens + i) * dim + h * headDim;
                    var weighted = 0.0;
                    for (var j = 0; j < tokens; j++)
                    {
                        var p = probabilities[pRow + j];
                        var dot = 0.0;
                        for (var e = 0; e < headDim; e++)
                        {
                            dot += mergedGradient[dO + e] * qkv[Index(b, j, 2, h, e)];
                            dQkv[Index(b, j, 2, h, e)] += p * mergedGradient[dO + e];
                        }
                        dP[j] = dot;
                        weighted += p * dot;
                    }
                    for (var j = 0; j < tokens; j++)
                    {
                        var dScore = probabilities[pRow + j] * (dP[j] - weighted) * scale;
                        for (var e = 0; e < headDim; e++)
                        {
                            dQkv[Index(b, i, 0, h, e)] += dScore * qkv[Index(b, j, 1, h, e)];
                            dQkv[Index(b, j, 1, h, e)] += dScore * qkv[Index(b, i, 0, h, e)];
                        }
                    }
                }
            }
        }
        return dQkv;

        int Index(int b, int t, int part, int h, int e) => (b * tokens + t) * 3 * dim + part * dim + h * headDim + e;
    }

    private static void CheckShape(int dim, int heads)
    {
        if (heads <= 0 || dim % heads != 0)
            throw new ArgumentException($"attention: dim {dim} must be a positive multiple of heads {heads}");
    }
}

/// <summary>Scaled dot-product attention forward: softmax probabilities [B, H, L, L] and the heads merged back to [B, L, D].</summary>
public sealed record ReferenceAttentionCoreResult(double[] Probabilities, double[] Merged);

/// <summary>Gradients of <see cref="ReferenceAttention"/>: its input and the qkv and proj Linears' weights and biases.</summary>
public sealed record ReferenceAttentionGradients(double[] Input, double[] QkvWeight, double[] QkvBias, double[] ProjWeight, double[] ProjBias);

/// <summary>
/// Attention forward: Qkv [B, L, 3D] (the qkv Linear's output), Probabilities [B, H, L, L],
/// Merged [B, L, D] (A·V, heads concatenated) and Output [B, L, D] (after proj).
/// </summary>
public sealed record ReferenceAttentionResult(double[] Qkv, double[] Probabilities, double[] Merged, double[] Output);
