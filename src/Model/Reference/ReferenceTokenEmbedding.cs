namespace CrsIlgpu.Model.Reference;

/// <summary>x = concat(cls_token, patches) + pos_embed: [B, N, D] → [B, L = N + 1, D], class token at index 0.</summary>
public static class ReferenceTokenEmbedding
{
    public static double[] Forward(double[] patches, double[] classToken, double[] positionEmbedding, int batch, int patchCount, int dim)
    {
        var tokens = patchCount + 1;
        ReferenceChecks.Length(patches, (long)batch * patchCount * dim, "token-embedding patches");
        ReferenceChecks.Length(classToken, dim, "token-embedding cls_token");
        ReferenceChecks.Length(positionEmbedding, (long)tokens * dim, "token-embedding pos_embed");
        var output = new double[batch * tokens * dim];
        for (var b = 0; b < batch; b++)
        {
            for (var t = 0; t < tokens; t++)
            {
                for (var d = 0; d < dim; d++)
                {
                    var source = t == 0 ? classToken[d] : patches[(b * patchCount + t - 1) * dim + d];
                    output[(b * tokens + t) * dim + d] = source + positionEmbedding[t * dim + d];
                }
            }
        }
        return output;
    }

    /// <summary>The class token and pos_embed are shared by every image, so their gradients sum over the batch.</summary>
    public static ReferenceTokenEmbeddingGradients Backward(double[] outputGradient, int batch, int patchCount, int dim)
    {
        var tokens = patchCount + 1;
        ReferenceChecks.Length(outputGradient, (long)batch * tokens * dim, "token-embedding outputGradient");
        var dPatches = new double[batch * patchCount * dim];
        var dClass = new double[dim];
        var dPosition = new double[tokens * dim];
        for (var b = 0; b < batch; b++)
        {
            for (var t = 0; t < tokens; t++)
            {
                for (var d = 0; d < dim; d++)
                {
                    var g = outputGradient[(b * tokens + t) * dim + d];
                    dPosition[t * dim + d] += g;
                    if (t == 0)
                        dClass[d] += g;
                    else
                        dPatches[(b * patchCount + t - 1) * dim + d] = g;
                }
            }
        }
        return new ReferenceTokenEmbeddingGradients(dPatches, dClass, dPosition);
    }
}

/// <summary>Gradients of <see cref="ReferenceTokenEmbedding"/>: patches [B, N, D], cls_token [D], pos_embed [L, D].</summary>
public sealed record ReferenceTokenEmbeddingGradients(double[] Patches, double[] ClassToken, double[] PositionEmbedding);
