namespace CrsIlgpu.Kernels.Tests.Gemm;

public class GemmProblemTests
{
    [Fact]
    public void CreateUsesDenseStrides()
    {
        var p = GemmProblem.Create(GemmLayout.NT, 3, 5, 7, batch: 2, alpha: 2f, beta: 0.5f);
        Assert.Equal(21, p.StrideA);
        Assert.Equal(35, p.StrideB);
        Assert.Equal(15, p.StrideC);
        Assert.Equal(2.0 * 3 * 5 * 7 * 2, p.Flops);
        // beta != 0: C is read and written.
        Assert.Equal(4.0 * 2 * (21 + 35 + 2 * 15), p.Bytes);
        Assert.Equal(4.0 * 2 * (21 + 35 + 15), (p with { Beta = 0f }).Bytes);
    }

    [Theory]
    [InlineData(GemmLayout.NN, "gemm_nn")]
    [InlineData(GemmLayout.NT, "gemm_nt")]
    [InlineData(GemmLayout.TN, "gemm_tn")]
    public void ValidateRejectsTooSmallBufferNamingOp(GemmLayout layout, string op)
    {
        var p = GemmProblem.Create(layout, 4, 6, 5, batch: 2);
        p.Validate(40, 60, 48); // exactly enough
        Rejects.With(() => p.Validate(40, 59, 48), op, "B", "60");
        Assert.Throws<ArgumentException>(() => p.Validate(39, 60, 48));
        Assert.Throws<ArgumentException>(() => p.Validate(40, 60, 47));
    }

    [Fact]
    public void ValidateRejectsEmptyDimensions()
    {
        Rejects.With(() => GemmProblem.Create(GemmLayout.TN, 0, 4, 4).Validate(100, 100, 100), "gemm_tn", "M=0");
        Assert.Throws<ArgumentException>(() => GemmProblem.Create(GemmLayout.NN, 4, 4, 4, batch: 0).Validate(100, 100, 100));
    }

    [Fact]
    public void CpuAndReferenceValidateBeforeWork()
    {
        var p = GemmProblem.Create(GemmLayout.NN, 8, 8, 8);
        var c = new float[64];
        var ex = Assert.Throws<ArgumentException>(() => GemmCpu.Run(p, new float[63], new float[64], c));
        Assert.Contains("gemm_nn", ex.Message);
        Assert.Throws<ArgumentException>(() => GemmReference.Run(p, new float[64], new float[64], new float[10]));
    }

    [Fact]
    public void ReferenceMatchesHandComputedProducts()
    {
        // A = [[1,2],[3,4]], B = [[5,6],[7,8]]: A·B = [[19,22],[43,50]], A·Bᵀ = [[17,23],[39,53]], Aᵀ·B = [[26,30],[38,44]].
        float[] a = [1, 2, 3, 4];
        float[] b = [5, 6, 7, 8];
        var c = new float[4];
        GemmReference.Run(GemmProblem.Create(GemmLayout.NN, 2, 2, 2), a, b, c);
        Assert.Equal([19f, 22f, 43f, 50f], c);
        GemmReference.Run(GemmProblem.Create(GemmLayout.NT, 2, 2, 2), a, b, c);
        Assert.Equal([17f, 23f, 39f, 53f], c);
        GemmReference.Run(GemmProblem.Create(GemmLayout.TN, 2, 2, 2), a, b, c);
        Assert.Equal([26f, 30f, 38f, 44f], c);
        // alpha/beta: 2·A·B + 0.5·C with C = Aᵀ·B from the previous call.
        GemmReference.Run(GemmProblem.Create(GemmLayout.NN, 2, 2, 2, alpha: 2f, beta: 0.5f), a, b, c);
        Assert.Equal([51f, 59f, 105f, 122f], c);
    }

    [Fact]
    public void NamesAndMethodsAreStable()
    {
        Assert.Equal("gemm_nn", GemmKernels.NameFor(GemmLayout.NN));
        Assert.Equal("gemm_nt", GemmKernels.NameFor(GemmLayout.NT));
        Assert.Equal("gemm_tn", GemmKernels.NameFor(GemmLayout.TN));
        Assert.Equal(nameof(GemmKernels.GemmNN), GemmKernels.MethodFor(GemmLayout.NN).Name);
        Assert.Equal(nameof(GemmKernels.GemmNT), GemmKernels.MethodFor(GemmLayout.NT).Name);
        Assert.Equal(nameof(GemmKernels.GemmTN), GemmKernels.MethodFor(GemmLayout.TN).Name);
        Assert.Equal(GemmKernels.GroupSize, 16 * 16);
    }
}
