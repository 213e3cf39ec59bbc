using ILGPU;
using ILGPU.Runtime;

namespace CrsIlgpu.Kernels.Tests.Gemm;

/// <summary>
/// The ILGPU kernels on the shared test accelerator (CPU-simulated unless CRS_TEST_DEVICE=cuda).
/// Shapes stay tiny: the CPU accelerator runs every GPU thread in software.
/// </summary>
public class GemmKernelTests
{
    /// <summary>Tiny and ragged shapes; (5, 9, 70) has M &lt; K (ILGPU's MatrixMultiply sample gets it wrong), (70, 9, 5) two row tiles.</summary>
    public static TheoryData<GemmLayout, int, int, int> Shapes() =>
        GemmTestData.EveryLayout((1, 1, 1), (7, 13, 5), (33, 65, 17), (64, 64, 64), (5, 9, 70), (70, 9, 5));

    [Theory]
    [KernelPath]
    [MemberData(nameof(Shapes))]
    public void MatchesReference(GemmLayout layout, int m, int n, int k)
    {
        Check(GemmProblem.Create(layout, m, n, k), seed: m * 1000 + n * 10 + k);
    }

    [Theory]
    [KernelPath]
    [InlineData(GemmLayout.NN)]
    [InlineData(GemmLayout.NT)]
    [InlineData(GemmLayout.TN)]
    public void BatchedWithAlphaBetaMatchesReference(GemmLayout layout)
    {
        Check(GemmProblem.Create(layout, 19, 23, 11, batch: 3, alpha: 1.5f, beta: -0.75f), seed: 42);
    }

    [Theory]
    [KernelPath]
    [InlineData(GemmLayout.NN)]
    [InlineData(GemmLayout.NT)]
    [InlineData(GemmLayout.TN)]
    public void NonDenseBatchStridesMatchReference(GemmLayout layout)
    {
        // Padding between batches must be neither read into the product nor written.
        var p = GemmProblem.Create(layout, 9, 10, 6, batch: 2, alpha: 0.5f, beta: 2f) with
        {
            StrideA = 9 * 6 + 3,
            StrideB = 10 * 6 + 5,
            StrideC = 9 * 10 + 7,
        };
        Check(p, seed: 7);
    }

    [Theory]
    [KernelPath]
    [InlineData(GemmLayout.NN)]
    [InlineData(GemmLayout.NT)]
    [InlineData(GemmLayout.TN)]
    public void BetaZeroOverwritesNaN(GemmLayout layout)
    {
        var p = GemmProblem.Create(layout, 17, 21, 9, alpha: 2f, beta: 0f);
        var (a, b, _) = GemmTestData.Inputs(p, seed: 3);
        var c = new float[p.ElementsC];
        Array.Fill(c, float.NaN);
        float[] actual = RunKernel(p, a, b, c);
        Assert.DoesNotContain(actual, float.IsNaN);
        var expected = new float[c.Length];
        GemmReference.Run(p, a, b, expected);
        GemmTestData.AssertClose(p, a, b, c, expected, actual);
    }

    [Fact]
    [KernelPath]
    public void LaunchValidatesBeforeLaunching()
    {
        var accelerator = TestAccelerators.Accelerator;
        var p = GemmProblem.Create(GemmLayout.NT, 4, 4, 4, batch: 2);
        using var a = accelerator.Allocate1D<float>(32);
        using var b = accelerator.Allocate1D<float>(31);
        using var c = accelerator.Allocate1D<float>(32);
        var ex = Assert.Throws<ArgumentException>(() => GemmKernels.Launch(TestAccelerators.Kernels, p, a.View, b.View, c.View));
        Assert.Contains("gemm_nt", ex.Message);
    }

    private static void Check(GemmProblem p, int seed) => GemmTestData.CheckFp32(p, seed, Launch);

    private static float[] RunKernel(GemmProblem p, float[] a, float[] b, float[] c) => GemmTestData.RunOnTestAccelerator(p, a, b, c, Launch);

    private static void Launch(GemmProblem p, ArrayView<float> a, ArrayView<float> b, ArrayView<float> c) =>
        GemmKernels.Launch(TestAccelerators.Kernels, p, a, b, c);
}
