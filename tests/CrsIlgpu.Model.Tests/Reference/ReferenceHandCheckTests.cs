namespace CrsIlgpu.Model.Tests.Reference;

/// <summary>Forward values worked out by hand, so the forward itself (not only its consistency with backward) is pinned.</summary>
public class ReferenceHandCheckTests
{
    [Fact]
    public void LinearOfKnownNumbers()
    {
        // x = [1, 2], W = [[1, 2], [3, 4], [5, 6]], b = [0.5, −1, 2]:
        // y = [1 + 4 + 0.5, 3 + 8 − 1, 5 + 12 + 2] = [5.5, 10, 19].
        double[] x = [1, 2];
        double[] w = [1, 2, 3, 4, 5, 6];
        double[] b = [0.5, -1, 2];
        Assert.Equal([5.5, 10, 19], ReferenceLinear.Forward(x, w, b, 1, 2, 3));

        // dy = [1, 1, 1]: dx = Wᵀ·dy = [9, 12], dW = dy·xᵀ = every row [1, 2], db = dy.
        var g = ReferenceLinear.Backward([1, 1, 1], x, w, 1, 2, 3);
        Assert.Equal([9, 12], g.Input);
        Assert.Equal([1, 2, 1, 2, 1, 2], g.Weight);
        Assert.Equal([1, 1, 1], g.Bias);
    }

    [Fact]
    public void LayerNormOfOneTwoThree()
    {
        // mean 2, biased variance ((−1)² + 0² + 1²)/3 = 2/3, rstd = √1.5 = 1.224744871391589 (eps = 0 here).
        var plain = ReferenceLayerNorm.Forward([1, 2, 3], [1, 1, 1], [0, 0, 0], 1, 3, 0.0);
        Assert.Equal(2.0, plain.Mean[0], 1e-15);
        Assert.Equal(Math.Sqrt(1.5), plain.Rstd[0], 1e-15);
        Closeness.AssertClose([-1.224744871391589, 0, 1.224744871391589], plain.Output, 1e-15);

        // weight [2, 1, 1], bias [0, 5, 1]: [−2·1.2247…, 5, 1.2247… + 1].
        var affine = ReferenceLayerNorm.Forward([1, 2, 3], [2, 1, 1], [0, 5, 1], 1, 3, 0.0);
        Closeness.AssertClose([-2.449489742783178, 5, 2.224744871391589], affine.Output, 1e-15);

        // eps enters under the root: rstd = 1/√(2/3 + 1e-6).
        var withEps = ReferenceLayerNorm.Forward([1, 2, 3], [1, 1, 1], [0, 0, 0], 1, 3, 1e-6);
        Assert.Equal(1.0 / Math.Sqrt(2.0 / 3.0 + 1e-6), withEps.Rstd[0], 1e-15);
    }

    [Fact]
    public void SoftmaxCrossEntropyWithLabelSmoothing()
    {
        // 3 classes, ε = 0.3: target = 0.7·onehot + 0.1.
        // Image 0: logits [0, ln 2, ln 4] → softmax [1, 2, 4]/7, label 2, target [0.1, 0.1, 0.8]:
        //   loss = −(0.1·ln(1/7) + 0.1·ln(2/7) + 0.8·ln(4/7)) = ln 7 − 0.1·ln 2 − 1.6·ln 2 = ln 7 − 1.7·ln 2 = 0.7675599421034063.
        // Image 1: logits [0, 0, 0] → softmax 1/3 each, label 0: loss = ln 3 = 1.0986122886681098.
        // Mean = 0.933086115385758; dLogits = (softmax − target)/2.
        double[] logits = [0, Math.Log(2), Math.Log(4), 0, 0, 0];
        int[] labels = [2, 0];
        var forward = ReferenceSoftmaxCrossEntropy.Forward(logits, labels, 2, 3, 0.3);
        Closeness.AssertClose([1.0 / 7, 2.0 / 7, 4.0 / 7, 1.0 / 3, 1.0 / 3, 1.0 / 3], forward.Probabilities, 1e-15);
        Closeness.AssertClose([0.7675599421034063, 1.0986122886681098], forward.Losses, 1e-15);
        Assert.Equal(0.933086115385758, forward.Loss, 1e-15);
        var dLogits = ReferenceSoftmaxCrossEntropy.Backward(forward, labels, 2, 3, 0.3);
        Closeness.AssertClose([(1.0 / 7 - 0.1) / 2, (2.0 / 7 - 0.1) / 2, (4.0 / 7 - 0.8) / 2, (1.0 / 3 - 0.8) / 2, (1.0 / 3 - 0.1) / 2, (1.0 / 3 - 0.1) / 2],
            dLogits, 1e-15);
    }

    [Fact]
    public void GeluOfKnownNumbers()
    {
        // gelu(1) = Φ(1) = 0.8413447460685429; gelu(−1) = −(1 − Φ(1)); gelu'(1) = Φ(1) + φ(1) = 0.8413… + 0.2419…
        Closeness.AssertClose([0.8413447460685429, -0.15865525393145707, 0.0], ReferenceGelu.Forward([1, -1, 0]), 1e-15);
        Assert.Equal(1.0833154705876864, ReferenceGelu.Derivative(1.0), 1e-15);
        Assert.Equal(0.5, ReferenceGelu.Derivative(0.0), 1e-15);
    }

    [Fact]
    public void AttentionHeadsUseTheirOwnColumns()
    {
        // B = 1, L = 2, D = 2, H = 2 (Dh = 1, scale 1). qkv row = [q_h0, q_h1, k_h0, k_h1, v_h0, v_h1].
        // Head 0, token 0: q = 1, k = [0, ln 2] → p = [1/3, 2/3] → 10/3 + 40/3 = 50/3.
        // Head 0, token 1: q = 0 → p uniform → 15.   Head 1, token 0: q = 0 → uniform → 150.
        // Head 1, token 1: q = 1, k = [ln 3, 0] → p = [3/4, 1/4] → 75 + 50 = 125.
        double[] qkv =
        [
            1, 0, 0, Math.Log(3), 10, 100,
            0, 1, Math.Log(2), 0, 20, 200,
        ];
        var core = ReferenceAttention.CoreForward(qkv, 1, 2, 2, 2);
        Closeness.AssertClose([50.0 / 3, 150, 15, 125], core.Merged, 1e-13);
        Closeness.AssertClose([1.0 / 3, 2.0 / 3, 0.5, 0.5, 0.5, 0.5, 0.75, 0.25], core.Probabilities, 1e-15);
    }

    [Fact]
    public void AttentionScalesByInverseSqrtHeadDim()
    {
        // One head, Dh = 4, scale 1/2. Token 0: q = [1, 1, 0, 0]; k0 = 0, k1 = [ln 2, ln 2, 0, 0]:
        // q·k1/2 = ln 2 → p = [1/3, 2/3] (it would be [1/5, 4/5] unscaled); v0 = [3, 0, 0, 0], v1 = [6, 0, 0, 0] → [5, 0, 0, 0].
        var ln2 = Math.Log(2);
        double[] qkv =
        [
            1, 1, 0, 0, /* k */ 0, 0, 0, 0, /* v */ 3, 0, 0, 0,
            0, 0, 0, 0, /* k */ ln2, ln2, 0, 0, /* v */ 6, 0, 0, 0,
        ];
        var core = ReferenceAttention.CoreForward(qkv, 1, 2, 4, 1);
        Closeness.AssertClose([5, 0, 0, 0], core.Merged[..4], 1e-14);
    }

    [Fact]
    public void PatchEmbedIsTheStridedConvolution()
    {
        // Against a direct Conv2d(kernel P, stride P) loop, independent of the im2col path.
        var random = new Random(12);
        var (batch, channels, size, patch, dim) = (2, 3, 8, 4, 5);
        var perSide = size / patch;
        var images = GradientCheck.RandomArray(random, batch * channels * size * size);
        var w = GradientCheck.RandomArray(random, dim * channels * patch * patch);
        var b = GradientCheck.RandomArray(random, dim);
        var actual = ReferencePatchEmbed.Forward(images, w, b, batch, channels, size, patch, dim);
        for (var n = 0; n < batch; n++)
        for (var ph = 0; ph < perSide; ph++)
        for (var pw = 0; pw < perSide; pw++)
        for (var d = 0; d < dim; d++)
        {
            var sum = b[d];
            for (var c = 0; c < channels; c++)
            for (var i = 0; i < patch; i++)
            for (var j = 0; j < patch; j++)
                sum += w[((d * channels + c) * patch + i) * patch + j] * images[((n * channels + c) * size + ph * patch + i) * size + pw * patch + j];
            Assert.Equal(sum, actual[((n * perSide + ph) * perSide + pw) * dim + d], 1e-13);
        }
    }

    [Fact]
    public void TokenEmbeddingPutsTheClassTokenFirst()
    {
        // B = 1, N = 2, D = 2: [cls; p0; p1] + pos.
        var x = ReferenceTokenEmbedding.Forward([1, 2, 3, 4], [10, 20], [100, 200, 300, 400, 500, 600], 1, 2, 2);
        Assert.Equal([110, 220, 301, 402, 503, 604], x);
    }
}
