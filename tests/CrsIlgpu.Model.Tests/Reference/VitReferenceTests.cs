using static CrsIlgpu.Model.Tests.Reference.GradientCheck;

namespace CrsIlgpu.Model.Tests.Reference;

public class VitReferenceTests
{
    private const double LabelSmoothing = 0.1;
    private static readonly int[] Labels = [1, 4, 0];

    [Fact]
    public void EveryGradientMatchesFiniteDifferences()
    {
        // Tiny config (image 8, patch 4, dim 8, depth 2, heads 2, 5 classes, batch 3, ε = 0.1); every entry of
        // every parameter tensor and of the images is checked (≈2,800 entries, two forwards each).
        var config = ReferenceModelFixtures.Tiny;
        var random = new Random(20);
        var parameters = ReferenceModelFixtures.RandomParameters(config, random);
        var images = RandomArray(random, Labels.Length * config.Channels * config.ImageSize * config.ImageSize);
        double Loss() => VitReference.Forward(config, parameters, images, Labels, LabelSmoothing).Loss;

        var (_, gradients) = VitReference.ForwardBackward(config, parameters, images, Labels, LabelSmoothing);
        Assert.Equal(parameters.Names, gradients.Parameters.Names);
        foreach (var tensor in parameters.Tensors)
        {
            var analytic = gradients.Parameters[tensor.Name];
            Assert.Equal(tensor.Shape, analytic.Shape);
            Assert.Contains(analytic.Data, g => g != 0.0); // every parameter reaches the loss
            AssertMatches(tensor.Name, Loss, tensor.Data, analytic.Data);
        }
        AssertMatches("images", Loss, images, gradients.Images);
    }

    [Fact]
    public void GradientsAtTimmInitMatchFiniteDifferences()
    {
        // At init the gradients are small (weights ~0.02); a random subset of 20 entries per tensor.
        var config = ReferenceModelFixtures.Tiny;
        var parameters = ReferenceParameters.Initialize(config, seed: 3);
        var random = new Random(21);
        var images = RandomArray(random, Labels.Length * config.Channels * config.ImageSize * config.ImageSize);
        double Loss() => VitReference.Forward(config, parameters, images, Labels, LabelSmoothing).Loss;

        var (_, gradients) = VitReference.ForwardBackward(config, parameters, images, Labels, LabelSmoothing);
        foreach (var tensor in parameters.Tensors)
        {
            var subset = Enumerable.Range(0, 20).Select(_ => random.Next(tensor.Length)).Distinct();
            AssertMatches(tensor.Name, Loss, tensor.Data, gradients.Parameters[tensor.Name].Data, subset);
        }
    }

    [Fact]
    public void IdentityBlocksLeaveTheClassTokenPath()
    {
        // With attn.proj and mlp.fc2 zeroed every block is the identity, so each image's logits are
        // head(LN(cls_token + pos_embed[0])) whatever the image: checks the class token sits at index 0,
        // pos_embed is added, and the head reads token 0 after the final norm.
        var config = ReferenceModelFixtures.Tiny;
        var random = new Random(22);
        var parameters = ReferenceModelFixtures.RandomParameters(config, random);
        foreach (var tensor in parameters.Tensors.Where(t => t.Name.Contains("attn.proj.") || t.Name.Contains("mlp.fc2.")))
            Array.Clear(tensor.Data);
        var images = RandomArray(random, Labels.Length * config.Channels * config.ImageSize * config.ImageSize);

        var forward = VitReference.Forward(config, parameters, images, Labels, LabelSmoothing);

        var token0 = new double[config.Dim];
        for (var d = 0; d < config.Dim; d++)
            token0[d] = parameters["cls_token"].Data[d] + parameters["pos_embed"].Data[d];
        var normed = ReferenceLayerNorm.Forward(token0, parameters["norm.weight"].Data, parameters["norm.bias"].Data, 1, config.Dim,
            config.LayerNormEps).Output;
        var expected = ReferenceLinear.Forward(normed, parameters["head.weight"].Data, parameters["head.bias"].Data, 1, config.Dim, config.NumClasses);
        for (var b = 0; b < Labels.Length; b++)
        {
            for (var c = 0; c < config.NumClasses; c++)
                Assert.Equal(expected[c], forward.Logits[b * config.NumClasses + c], 1e-12);
        }
        var ce = ReferenceSoftmaxCrossEntropy.Forward(forward.Logits, Labels, Labels.Length, config.NumClasses, LabelSmoothing);
        Assert.Equal(ce.Loss, forward.Loss, 1e-15);
    }

    [Fact]
    public void ForwardKeepsTheActivationsInShape()
    {
        var config = ReferenceModelFixtures.Tiny;
        var parameters = ReferenceParameters.Initialize(config, seed: 1);
        var images = new double[Labels.Length * config.Channels * config.ImageSize * config.ImageSize];
        var forward = VitReference.Forward(config, parameters, images, Labels, LabelSmoothing);
        var tokens = Labels.Length * config.Tokens * config.Dim;
        Assert.Equal(Labels.Length * config.Patches * config.Dim, forward.PatchEmbeddings.Length);
        Assert.Equal(tokens, forward.Embedded.Length);
        Assert.Equal(config.Depth, forward.Blocks.Count);
        Assert.All(forward.Blocks, b => Assert.Equal(tokens, b.Output.Length));
        Assert.Equal(Labels.Length * config.Heads * config.Tokens * config.Tokens, forward.Blocks[0].Attention.Probabilities.Length);
        Assert.Equal(Labels.Length * config.Tokens * config.Hidden, forward.Blocks[0].Mlp.Hidden.Length);
        Assert.Equal(Labels.Length * config.NumClasses, forward.Logits.Length);
        // At init the logits are near zero, so the loss is near ln(classes).
        Assert.Equal(Math.Log(config.NumClasses), forward.Loss, 0.1);
    }

    [Fact]
    public void BadInputsAreRejected()
    {
        var config = ReferenceModelFixtures.Tiny;
        var parameters = ReferenceParameters.Zeros(config);
        var images = new double[Labels.Length * config.Channels * config.ImageSize * config.ImageSize];
        Assert.Throws<ArgumentException>(() => VitReference.Forward(config, parameters, images[1..], Labels, LabelSmoothing));
        Assert.Throws<ArgumentException>(() => VitReference.Forward(config, parameters, images, [1, 5, 0], LabelSmoothing));
    }
}
