using static CrsIlgpu.Model.Tests.Reference.GradientCheck;

namespace CrsIlgpu.Model.Tests.Reference;

/// <summary>
/// Each layer's analytic backward against central finite differences of L = Σ r ⊙ y with a fixed
/// random r (so dL/dy = r), for every input, weight and bias entry. Shapes: B = 2, L = 5, D = 8, H = 2.
/// </summary>
public class ReferenceLayerGradientTests
{
    private const int Batch = 2;
    private const int Tokens = 5;
    private const int Dim = 8;
    private const int Heads = 2;
    private const int Hidden = 12;
    private const int Rows = Batch * Tokens;

    [Fact]
    public void LinearBackwardMatchesFiniteDifferences()
    {
        var random = new Random(1);
        var (inF, outF) = (7, 5);
        var x = RandomArray(random, Rows * inF);
        var w = RandomArray(random, outF * inF);
        var b = RandomArray(random, outF);
        var r = RandomArray(random, Rows * outF);
        double Loss() => Dot(r, ReferenceLinear.Forward(x, w, b, Rows, inF, outF));

        var g = ReferenceLinear.Backward(r, x, w, Rows, inF, outF);
        AssertLayerMatches("linear", Loss, x, w, b, g);
    }

    [Fact]
    public void LayerNormBackwardMatchesFiniteDifferences()
    {
        var random = new Random(2);
        var x = RandomArray(random, Rows * Dim, scale: 2.0, offset: 0.5);
        var w = RandomArray(random, Dim, scale: 0.5, offset: 1.0);
        var b = RandomArray(random, Dim);
        var r = RandomArray(random, Rows * Dim);
        double Loss() => Dot(r, ReferenceLayerNorm.Forward(x, w, b, Rows, Dim, 1e-6).Output);

        var forward = ReferenceLayerNorm.Forward(x, w, b, Rows, Dim, 1e-6);
        var g = ReferenceLayerNorm.Backward(r, x, forward, w, Rows, Dim);
        AssertLayerMatches("layernorm", Loss, x, w, b, g);
    }

    [Fact]
    public void GeluBackwardMatchesFiniteDifferences()
    {
        var random = new Random(3);
        // Spread over both erf branches (|x/√2| ≥ 3 from |x| ≈ 4.24).
        var x = RandomArray(random, 64, scale: 6.0);
        var r = RandomArray(random, 64);
        double Loss() => Dot(r, ReferenceGelu.Forward(x));

        AssertMatches("gelu input", Loss, x, ReferenceGelu.Backward(r, x));
    }

    [Fact]
    public void AttentionCoreBackwardMatchesFiniteDifferences()
    {
        var random = new Random(4);
        var qkv = RandomArray(random, Rows * 3 * Dim, scale: 1.5);
        var r = RandomArray(random, Rows * Dim);
        double Loss() => Dot(r, ReferenceAttention.CoreForward(qkv, Batch, Tokens, Dim, Heads).Merged);

        var forward = ReferenceAttention.CoreForward(qkv, Batch, Tokens, Dim, Heads);
        AssertMatches("attention core qkv", Loss, qkv, ReferenceAttention.CoreBackward(r, qkv, forward.Probabilities, Batch, Tokens, Dim, Heads));
    }

    [Fact]
    public void AttentionBackwardMatchesFiniteDifferences()
    {
        var random = new Random(5);
        var x = RandomArray(random, Rows * Dim);
        var qkvW = RandomArray(random, 3 * Dim * Dim, scale: 0.5);
        var qkvB = RandomArray(random, 3 * Dim, scale: 0.5);
        var projW = RandomArray(random, Dim * Dim, scale: 0.5);
        var projB = RandomArray(random, Dim);
        var r = RandomArray(random, Rows * Dim);
        double Loss() => Dot(r, ReferenceAttention.Forward(x, qkvW, qkvB, projW, projB, Batch, Tokens, Dim, Heads).Output);

        var forward = ReferenceAttention.Forward(x, qkvW, qkvB, projW, projB, Batch, Tokens, Dim, Heads);
        var g = ReferenceAttention.Backward(r, x, forward, qkvW, projW, Batch, Tokens, Dim, Heads);
        AssertMatches("attention input", Loss, x, g.Input);
        AssertMatches("attention qkv weight", Loss, qkvW, g.QkvWeight);
        AssertMatches("attention qkv bias", Loss, qkvB, g.QkvBias);
        AssertMatches("attention proj weight", Loss, projW, g.ProjWeight);
        AssertMatches("attention proj bias", Loss, projB, g.ProjBias);
    }

    [Fact]
    public void MlpBackwardMatchesFiniteDifferences()
    {
        var random = new Random(6);
        var x = RandomArray(random, Rows * Dim);
        var fc1W = RandomArray(random, Hidden * Dim, scale: 0.7);
        var fc1B = RandomArray(random, Hidden, scale: 0.5);
        var fc2W = RandomArray(random, Dim * Hidden, scale: 0.7);
        var fc2B = RandomArray(random, Dim);
        var r = RandomArray(random, Rows * Dim);
        double Loss() => Dot(r, ReferenceMlp.Forward(x, fc1W, fc1B, fc2W, fc2B, Rows, Dim, Hidden).Output);

        var forward = ReferenceMlp.Forward(x, fc1W, fc1B, fc2W, fc2B, Rows, Dim, Hidden);
        var g = ReferenceMlp.Backward(r, x, forward, fc1W, fc2W, Rows, Dim, Hidden);
        AssertMatches("mlp input", Loss, x, g.Input);
        AssertMatches("mlp fc1 weight", Loss, fc1W, g.Fc1Weight);
        AssertMatches("mlp fc1 bias", Loss, fc1B, g.Fc1Bias);
        AssertMatches("mlp fc2 weight", Loss, fc2W, g.Fc2Weight);
        AssertMatches("mlp fc2 bias", Loss, fc2B, g.Fc2Bias);
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(0.1)]
    public void SoftmaxCrossEntropyBackwardMatchesFiniteDifferences(double labelSmoothing)
    {
        var random = new Random(7);
        const int classes = 5;
        var logits = RandomArray(random, Batch * 3 * classes, scale: 3.0);
        int[] labels = [0, 4, 2, 1, 3, 4];
        double Loss() => ReferenceSoftmaxCrossEntropy.Forward(logits, labels, labels.Length, classes, labelSmoothing).Loss;

        var forward = ReferenceSoftmaxCrossEntropy.Forward(logits, labels, labels.Length, classes, labelSmoothing);
        AssertMatches("cross-entropy logits", Loss, logits, ReferenceSoftmaxCrossEntropy.Backward(forward, labels, labels.Length, classes, labelSmoothing));
    }

    [Fact]
    public void PatchEmbedBackwardMatchesFiniteDifferences()
    {
        var random = new Random(8);
        var (channels, size, patch) = (3, 8, 4);
        var patches = (size / patch) * (size / patch);
        var images = RandomArray(random, Batch * channels * size * size);
        var w = RandomArray(random, Dim * channels * patch * patch, scale: 0.5);
        var b = RandomArray(random, Dim);
        var r = RandomArray(random, Batch * patches * Dim);
        double Loss() => Dot(r, ReferencePatchEmbed.Forward(images, w, b, Batch, channels, size, patch, Dim));

        var g = ReferencePatchEmbed.Backward(r, images, w, Batch, channels, size, patch, Dim);
        AssertLayerMatches("patch-embed", Loss, images, w, b, g, inputName: "images");
    }

    [Fact]
    public void TokenEmbeddingBackwardMatchesFiniteDifferences()
    {
        var random = new Random(9);
        var patchCount = Tokens - 1;
        var patches = RandomArray(random, Batch * patchCount * Dim);
        var cls = RandomArray(random, Dim);
        var pos = RandomArray(random, Tokens * Dim);
        var r = RandomArray(random, Rows * Dim);
        double Loss() => Dot(r, ReferenceTokenEmbedding.Forward(patches, cls, pos, Batch, patchCount, Dim));

        var g = ReferenceTokenEmbedding.Backward(r, Batch, patchCount, Dim);
        AssertMatches("token-embedding patches", Loss, patches, g.Patches);
        AssertMatches("token-embedding cls_token", Loss, cls, g.ClassToken);
        AssertMatches("token-embedding pos_embed", Loss, pos, g.PositionEmbedding);
    }

    [Fact]
    public void BlockBackwardMatchesFiniteDifferences()
    {
        var random = new Random(10);
        var config = new VitConfig { ImageSize = 8, PatchSize = 4, Dim = Dim, Depth = 1, Heads = Heads, NumClasses = 5 };
        var parameters = ReferenceModelFixtures.RandomParameters(config, random);
        var x = RandomArray(random, Batch * config.Tokens * Dim);
        var r = RandomArray(random, x.Length);
        double Loss() => Dot(r, ReferenceBlock.Forward(x, parameters, 0, config, Batch).Output);

        var gradients = ReferenceParameters.Zeros(config);
        var dx = ReferenceBlock.Backward(r, x, ReferenceBlock.Forward(x, parameters, 0, config, Batch), parameters, 0, config, Batch, gradients);
        AssertMatches("block input", Loss, x, dx);
        foreach (var tensor in parameters.Tensors.Where(t => t.Name.StartsWith("blocks.0.", StringComparison.Ordinal)))
            AssertMatches(tensor.Name, Loss, tensor.Data, gradients[tensor.Name].Data);
    }

    [Fact]
    public void TheCheckerCatchesAWrongGradient()
    {
        // Guards the guard: a slightly wrong analytic gradient must fail the tolerance.
        var random = new Random(11);
        var x = RandomArray(random, Rows * Dim);
        var w = RandomArray(random, Dim);
        var b = RandomArray(random, Dim);
        var r = RandomArray(random, Rows * Dim);
        double Loss() => Dot(r, ReferenceLayerNorm.Forward(x, w, b, Rows, Dim, 1e-6).Output);
        var g = ReferenceLayerNorm.Backward(r, x, ReferenceLayerNorm.Forward(x, w, b, Rows, Dim, 1e-6), w, Rows, Dim);

        Assert.True(WorstError(Loss, x, g.Input).Error <= RelativeTolerance);
        g.Input[3] *= 1.0001;
        Assert.True(WorstError(Loss, x, g.Input).Error > RelativeTolerance);
    }
}
