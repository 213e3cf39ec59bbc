using CrsIlgpu.Kernels.Bench;

namespace CrsIlgpu.Kernels.Tests.Bench;

public class GemmBenchCasesTests
{
    [Fact]
    public void VitShapesAreTheStepsGemmsWithTheirLayoutsAndLongK()
    {
        var cases = GemmBench.Vit(OpBenchSize.VitTiny).ToDictionary(c => c.Shape, c => c.Problem);
        Assert.Equal(9, cases.Count);
        // vit-tiny: B = 128, L = 65, D = 192, 3 heads: N = 8,320 token rows.
        Assert.Equal(GemmProblem.Create(GemmLayout.NT, 8320, 576, 192), cases["qkv fwd (vit-tiny)"]);
        Assert.Equal(GemmProblem.Create(GemmLayout.TN, 768, 192, 8320), cases["fc1 dW (vit-tiny)"]);
        Assert.Equal(GemmProblem.Create(GemmLayout.NN, 8320, 192, 768), cases["fc1 dX (vit-tiny)"]);
        Assert.Equal(GemmProblem.Create(GemmLayout.NT, 65, 65, 64, 384), cases["attn QKᵀ (vit-tiny)"]);
        Assert.Equal(GemmProblem.Create(GemmLayout.NN, 65, 64, 65, 384), cases["attn A·V (vit-tiny)"]);
        // The weight gradient of a linear does the forward's work: same flops, K = N.
        Assert.Equal(cases["fc1 fwd (vit-tiny)"].Flops, cases["fc1 dW (vit-tiny)"].Flops);
    }

    [Fact]
    public void TheAnchorsSpecNamesLayoutSizesAndBatch()
    {
        var qk = GemmBench.Vit(OpBenchSize.VitBase).Single(c => c.Shape == "attn QKᵀ (vit-b16)");
        Assert.Equal("NT:197:197:64:768", qk.Spec);
        Assert.Equal("NN:256:256:256:1", GemmBench.Square([256]).Single().Spec);
    }

    [Fact]
    public void NonPositiveSizesAreUserErrors() => Assert.Throws<CrsException>(() => GemmBench.Square([64, 0]));
}
