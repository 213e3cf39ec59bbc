using CrsIlgpu.Kernels.Runtime.Memory;
using static CrsIlgpu.Kernels.Tests.Sampling.WtaCrsSelectionOpTests;

namespace CrsIlgpu.Kernels.Tests.Sampling;

/// <summary>
/// The batched selection (one launch, one group per problem; attention's query rows per (batch, head))
/// on both devices against <see cref="WtaCrsSelectionReference.SelectBatched"/>: identical indices and
/// winner counts per problem, the same scale bits (see <see cref="WtaCrsSelectionOpTests"/>).
/// </summary>
public class WtaCrsBatchedSelectionOpTests : DeviceTests
{
    private const uint Seed = 77;
    private const uint Layer = 11;

    /// <summary>Norm pairs [problems, L]: heavy-tailed, with zero rows and a uniform problem mixed in.</summary>
    private static (float[] First, float[] Second) Norms(int problems, int l, int seed)
    {
        var first = new float[problems * l];
        var second = new float[problems * l];
        for (var b = 0; b < problems; b++)
        {
            var pattern = (b % 4) switch { 0 => "heavy", 1 => "sparse", 2 => "heavy", _ => "uniform" };
            Scores(pattern, l, seed + 31 * b).CopyTo(first, b * l);
            Scores("heavy", l, seed + 31 * b + 7).CopyTo(second, b * l);
        }
        return (first, second);
    }

    public static TheoryData<string, int, int, double> Cases
    {
        get
        {
            var data = new TheoryData<string, int, int, double>();
            foreach (var device in new[] { "kernels", "cpu" })
            {
                // L below, at and past the CPU group of 32, not multiples of it; ρ giving k = k_min and k > k_min.
                foreach (var (problems, l, rho) in new[] { (1, 37, 0.3), (6, 13, 0.5), (5, 33, 0.3), (4, 65, 0.2), (3, 197, 0.3), (2, 100, 0.1) })
                    data.Add(device, problems, l, rho);
            }
            return data;
        }
    }

    private static void AssertSameAsReference(WtaCrsBatchedSelectionResult expected, WtaCrsSelectionBuffers output, string what)
    {
        var indices = output.IndicesToArray();
        var scales = output.ScalesToArray();
        var winners = output.WinnersToArray();
        var k = output.Budget;
        for (var b = 0; b < output.Problems; b++)
        {
            AssertSame(expected.Problem(b), indices[(b * k)..((b + 1) * k)], scales[(b * k)..((b + 1) * k)], winners[b], $"{what} problem {b}");
        }
    }

    [Theory]
    [KernelPath]
    [MemberData(nameof(Cases))]
    public void BatchedSelectionIsIdenticalToTheReference(string deviceName, int problems, int l, double rho)
    {
        var device = Device(deviceName);
        var (first, second) = Norms(problems, l, l + problems);
        var k = WtaCrsBudget.For(l, rho);
        Assert.True(k < l, "the case must sample");
        using var a = TestData.Tensor(device, first, problems, l);
        using var g = TestData.Tensor(device, second, problems, l);
        using var output = WtaCrsSelectionBuffers.Batched(device.Pool, problems, k);
        foreach (var step in new ulong[] { 0, 5 })
        {
            WtaCrsSelectionOp.SelectBatchedFromNorms(device, a, g, output, Seed, step, Layer);
            var expected = WtaCrsSelectionReference.SelectBatched(first, second, true, problems, k, Seed, step, Layer);
            AssertSameAsReference(expected, output, $"P={problems} L={l} step {step}");
            for (var b = 0; b < problems; b++)
                Assert.All(expected.Problem(b).Indices, i => Assert.InRange(i, 0, l - 1)); // local to the problem
        }

        WtaCrsSelectionOp.SelectBatched(device, a, output, Seed, 2, Layer);
        AssertSameAsReference(WtaCrsSelectionReference.SelectBatched(first, default, false, problems, k, Seed, 2, Layer), output, "scores");
    }

    [Theory]
    [KernelPath]
    [InlineData("kernels")]
    [InlineData("cpu")]
    public void RatioOneKeepsEveryRowOfEveryProblemWithScaleOne(string deviceName)
    {
        const int problems = 3, l = 12;
        var device = Device(deviceName);
        var (first, second) = Norms(problems, l, 4);
        using var a = TestData.Tensor(device, first, problems, l);
        using var g = TestData.Tensor(device, second, problems, l);
        using var output = WtaCrsSelectionBuffers.Batched(device.Pool, problems, WtaCrsBudget.For(l, 1.0));
        WtaCrsSelectionOp.SelectBatchedFromNorms(device, a, g, output, Seed, 1, Layer);
        Assert.Equal(Enumerable.Repeat(Enumerable.Range(0, l), problems).SelectMany(r => r), output.IndicesToArray());
        Assert.All(output.ScalesToArray(), s => Assert.Equal(1f, s));
        Assert.Equal(Enumerable.Repeat(l, problems), output.WinnersToArray());
    }

    /// <summary>Problem b draws from its own stream: equal scores in every problem still give different rows; problem 0 is the single selection.</summary>
    [Theory]
    [KernelPath]
    [InlineData("kernels")]
    [InlineData("cpu")]
    public void EachProblemHasItsOwnStream(string deviceName)
    {
        const int problems = 4, l = 50;
        var device = Device(deviceName);
        var one = Scores("uniform", l, 1); // c = 0: every one of the k rows is a draw
        var scores = Enumerable.Repeat(one, problems).SelectMany(r => r).ToArray();
        var k = WtaCrsBudget.For(l, 0.3);
        using var t = TestData.Tensor(device, scores, problems, l);
        using var output = WtaCrsSelectionBuffers.Batched(device.Pool, problems, k);
        WtaCrsSelectionOp.SelectBatched(device, t, output, Seed, 3, Layer);
        var indices = output.IndicesToArray();
        var rows = Enumerable.Range(0, problems).Select(b => indices[(b * k)..((b + 1) * k)]).ToList();
        Assert.Equal(WtaCrsSelectionReference.Select(one, k, Seed, 3, Layer).Indices, rows[0]);
        for (var b = 1; b < problems; b++)
            Assert.NotEqual(rows[0], rows[b]);
    }

    /// <summary>One group per problem: the result does not depend on the group size.</summary>
    [Theory]
    [KernelPath]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(31)]
    [InlineData(33)]
    [InlineData(100)]
    [InlineData(256)]
    public void KernelResultIsIndependentOfTheGroupSize(int groupSize)
    {
        const int problems = 3, l = 70;
        var device = TestAccelerators.Kernels;
        var (first, second) = Norms(problems, l, 9);
        var k = WtaCrsBudget.For(l, 0.3);
        using var a = TestData.Tensor(device, first, problems, l);
        using var g = TestData.Tensor(device, second, problems, l);
        using var output = WtaCrsSelectionBuffers.Batched(device.Pool, problems, k);
        WtaCrsSelectionOp.SelectBatchedFromNorms(device, a, g, output, Seed, 4, Layer, groupSize);
        AssertSameAsReference(WtaCrsSelectionReference.SelectBatched(first, second, true, problems, k, Seed, 4, Layer), output, $"group {groupSize}");
    }

    [Fact]
    [KernelPath]
    public void ChecksShapesBeforeLaunching()
    {
        var device = TestAccelerators.Kernels;
        using var scores = TestData.Tensor(device, new float[60], 3, 20);
        using var vector = TestData.Tensor(device, new float[60], 60);
        using var other = TestData.Tensor(device, new float[60], 4, 15);
        using var fine = WtaCrsSelectionBuffers.Batched(device.Pool, 3, 10);
        using var wrongProblems = WtaCrsSelectionBuffers.Batched(device.Pool, 2, 10);
        using var tooMany = WtaCrsSelectionBuffers.Batched(device.Pool, 3, 21);
        Assert.Throws<ArgumentException>(() => WtaCrsSelectionOp.SelectBatched(device, vector, fine, 0, 0, 0));
        Assert.Throws<ArgumentException>(() => WtaCrsSelectionOp.SelectBatched(device, scores, wrongProblems, 0, 0, 0));
        Assert.Throws<ArgumentException>(() => WtaCrsSelectionOp.SelectBatched(device, scores, tooMany, 0, 0, 0));
        Assert.Throws<ArgumentException>(() => WtaCrsSelectionOp.SelectBatchedFromNorms(device, scores, other, fine, 0, 0, 0));
        // Batched buffers are not a single selection's.
        using var single = TestData.Tensor(device, new float[20], 20);
        Assert.Throws<ArgumentException>(() => WtaCrsSelectionOp.Select(device, single, fine, 0, 0, 0));
    }

    [Fact]
    public void PlanningDeviceCountsThePerProblemWorkspaceAndLaunchesNothing()
    {
        using var planner = DeviceContext.CreatePlanner();
        const int problems = 768, l = 197; // ViT-B/16, batch 64: 64 · 12 heads of 197 query rows
        using var scores = new Tensor(planner.Pool, MemoryTag.Activations, "scores", problems, l);
        using var output = WtaCrsSelectionBuffers.Batched(planner.Pool, problems, WtaCrsBudget.For(l, 0.3));
        Assert.Equal(problems * 59, output.Indices.Count);
        planner.Pool.ResetPeak();
        var before = planner.Pool.Allocated;
        WtaCrsSelectionOp.SelectBatched(planner, scores, output, 0, 0, 0);
        Assert.Equal(before, planner.Pool.Allocated);
        // Per problem: keys + prefix (256 + 197 floats) and the row order (256 ints), both live at once.
        Assert.Equal(before + problems * (256L + 197 + 256) * 4, planner.Pool.PeakAllocated);
    }
}
