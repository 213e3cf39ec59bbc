namespace CrsIlgpu.Model.Reference;

/// <summary>
/// The whole ViT in double, exactly timm's VisionTransformer with a class token, pre-norm blocks and
/// no dropout, plus its hand-written backward: the ground truth the fp32 model is checked against.
/// </summary>
public static class VitReference
{
    /// <param name="images">[B, C, S, S] row-major NCHW, already normalised; B = labels.Length.</param>
    public static ReferenceForward Forward(VitConfig config, ReferenceParameters parameters, double[] images, int[] labels, double labelSmoothing)
    {
        config.Validate();
        var batch = labels.Length;
        var (dim, tokens) = (config.Dim, config.Tokens);
        ReferenceChecks.Length(images, (long)batch * config.Channels * config.ImageSize * config.ImageSize, "images");

        var patchEmbeddings = ReferencePatchEmbed.Forward(images, parameters["patch_embed.proj.weight"].Data, parameters["patch_embed.proj.bias"].Data,
            batch, config.Channels, config.ImageSize, config.PatchSize, dim);
        var embedded = ReferenceTokenEmbedding.Forward(patchEmbeddings, parameters["cls_token"].Data, parameters["pos_embed"].Data, batch, config.Patches, dim);

        var blocks = new List<ReferenceBlockResult>(config.Depth);
        var x = embedded;
        for (var i = 0; i < config.Depth; i++)
        {
            var block = ReferenceBlock.Forward(x, parameters, i, config, batch);
            blocks.Add(block);
            x = block.Output;
        }

        var finalNorm = ReferenceLayerNorm.Forward(x, parameters["norm.weight"].Data, parameters["norm.bias"].Data, batch * tokens, dim, config.LayerNormEps);
        var classTokens = new double[batch * dim];
        for (var b = 0; b < batch; b++)
            Array.Copy(finalNorm.Output, b * tokens * dim, classTokens, b * dim, dim);
        var logits = ReferenceLinear.Forward(classTokens, parameters["head.weight"].Data, parameters["head.bias"].Data, batch, dim, config.NumClasses);
        var crossEntropy = ReferenceSoftmaxCrossEntropy.Forward(logits, labels, batch, config.NumClasses, labelSmoothing);

        return new ReferenceForward
        {
            Config = config,
            Batch = batch,
            Images = images,
            Labels = labels,
            LabelSmoothing = labelSmoothing,
            PatchEmbeddings = patchEmbeddings,
            Embedded = embedded,
            Blocks = blocks,
            FinalNorm = finalNorm,
            ClassTokens = classTokens,
            Logits = logits,
            CrossEntropy = crossEntropy,
        };
    }

    /// <summary>dLoss/dθ and dLoss/dImages for the loss of <paramref name="forward"/> (computed with these parameters).</summary>
    public static ReferenceGradients Backward(ReferenceParameters parameters, ReferenceForward forward)
    {
        var config = forward.Config;
        var batch = forward.Batch;
        var (dim, tokens, classes) = (config.Dim, config.Tokens, config.NumClasses);
        var gradients = ReferenceParameters.Zeros(config);

        var dLogits = ReferenceSoftmaxCrossEntropy.Backward(forward.CrossEntropy, forward.Labels, batch, classes, forward.LabelSmoothing);
        var head = ReferenceLinear.Backward(dLogits, forward.ClassTokens, parameters["head.weight"].Data, batch, dim, classes);
        gradients.Accumulate("head.weight", head.Weight);
        gradients.Accumulate("head.bias", head.Bias);

        // Only the class token reaches the head; every other token's final-norm gradient is zero.
        var dFinalNorm = new double[batch * tokens * dim];
        for (var b = 0; b < batch; b++)
            Array.Copy(head.Input, b * dim, dFinalNorm, b * tokens * dim, dim);
        var norm = ReferenceLayerNorm.Backward(dFinalNorm, forward.BlocksOutput, forward.FinalNorm, parameters["norm.weight"].Data, batch * tokens, dim);
        gradients.Accumulate("norm.weight", norm.Weight);
        gradients.Accumulate("norm.bias", norm.Bias);

        var dx = norm.Input;
        for (var i = config.Depth - 1; i >= 0; i--)
            dx = ReferenceBlock.Backward(dx, forward.BlockInput(i), forward.Blocks[i], parameters, i, config, batch, gradients);

        var embedding = ReferenceTokenEmbedding.Backward(dx, batch, config.Patches, dim);
        gradients.Accumulate("cls_token", embedding.ClassToken);
        gradients.Accumulate("pos_embed", embedding.PositionEmbedding);
        var patch = ReferencePatchEmbed.Backward(embedding.Patches, forward.Images, parameters["patch_embed.proj.weight"].Data,
            batch, config.Channels, config.ImageSize, config.PatchSize, dim);
        gradients.Accumulate("patch_embed.proj.weight", patch.Weight);
        gradients.Accumulate("patch_embed.proj.bias", patch.Bias);
        return new ReferenceGradients(gradients, patch.Input);
    }

    /// <summary>Forward then backward in one call.</summary>
    public static (ReferenceForward Forward, ReferenceGradients Gradients) ForwardBackward(VitConfig config, ReferenceParameters parameters,
        double[] images, int[] labels, double labelSmoothing)
    {
        var forward = Forward(config, parameters, images, labels, labelSmoothing);
        return (forward, Backward(parameters, forward));
    }
}

/// <summary>dLoss/dθ for every parameter (same names and shapes) and dLoss/dImages [B, C, S, S].</summary>
public sealed record ReferenceGradients(ReferenceParameters Parameters, double[] Images);
