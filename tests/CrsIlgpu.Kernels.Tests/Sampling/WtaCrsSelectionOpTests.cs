namespace CrsIlgpu.Kernels.Tests.Sampling;

/// <summary>
/// The device selection (ILGPU kernel on the CPU accelerator — or CUDA with CRS_TEST_DEVICE=cuda —
/// and the C# CPU backend) against <see cref="WtaCrsSelectionReference"/>: IDENTICAL indices, winner
/// counts and scale bits. Both do the same float operations in the same order, and the kernels are exact
/// by construction on a GPU too: every product is mul.rn (never contracted into an FFMA, see
/// <see cref="ExactKernelPtxTests"/>), the reciprocal and divisions rcp.rn / div.rn (IEEE-rounded).
/// </summary>
public class WtaCrsSelectionOpTests : DeviceTests
{
    private const uint Seed = 1234;
    private const uint Layer = 5;

    /// <summary>Score patterns: heavy-tailed (winners), uniform (c = 0), ties (few distinct values), zeros mixed in, all zero.</summary>
    public static float[] Scores(string pattern, int n, int seed)
    {
        var random = new Random(seed);
        return pattern switch
        {
            "heavy" => Enumerable.Range(0, n).Select(_ => (float)Math.Exp(2.5 * Gaussian(random))).ToArray(),
            "uniform" => Enumerable.Repeat(0.75f, n).ToArray(),
            "ties" => Enumerable.Range(0, n).Select(_ => (float)random.Next(4)).ToArray(),
            "sparse" => Enumerable.Range(0, n).Select(i => i % 7 == 3 ? (float)random.NextDouble() * 10 : 0f).ToArray(),
            "zero" => new float[n],
            _ => throw new ArgumentException(pattern),
        };
    }

    internal static double Gaussian(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());

    public static TheoryData<string, string, int, double> Cases
    {
        get
        {
            var data = new TheoryData<string, string, int, double>();
            foreach (var device in new[] { "kernels", "cpu" })
            {
                foreach (var (pattern, n, rho) in new[]
                {
                    ("heavy", 1, 0.5), ("heavy", 7, 0.5), ("heavy", 10, 0.3), ("heavy", 11, 0.3),
                    ("heavy", 37, 0.5), ("heavy", 300, 0.1), ("heavy", 1500, 0.25), ("heavy", 200, 1.0),
                    ("uniform", 64, 0.5), ("uniform", 100, 0.2), ("ties", 333, 0.3), ("ties", 1025, 0.05),
                    ("sparse", 140, 0.4), ("sparse", 140, 0.05), ("zero", 50, 0.3),
                })
                    data.Add(device, pattern, n, rho);
            }
            return data;
        }
    }

    internal static void AssertSame(WtaCrsSelectionResult expected, int[] indices, float[] scales, int winners, string what)
    {
        Assert.True(expected.Winners == winners, $"{what}: c = {winners}, reference {expected.Winners}");
        Assert.Equal(expected.Indices, indices);
        for (var i = 0; i < scales.Length; i++)
            Assert.True(BitConverter.SingleToInt32Bits(expected.Scales[i]) == BitConverter.SingleToInt32Bits(scales[i]),
                $"{what}: scale {i} = {scales[i]:R}, reference {expected.Scales[i]:R}");
    }

    [Theory]
    [KernelPath]
    [MemberData(nameof(Cases))]
    public void SelectionIsIdenticalToTheReference(string deviceName, string pattern, int n, double rho)
    {
        var device = Device(deviceName);
        var scores = Scores(pattern, n, n + 17);
        var k = WtaCrsBudget.For(n, rho);
        using var input = TestData.Tensor(device, scores, n);
        using var output = new WtaCrsSelectionBuffers(device.Pool, k);
        foreach (var step in new ulong[] { 0, 3 })
        {
            var expected = WtaCrsSelectionReference.Select(scores, k, Seed, step, Layer);
            WtaCrsSelectionOp.Select(device, input, output, Seed, step, Layer);
            AssertSame(expected, output.IndicesToArray(), output.ScalesToArray(), output.WinnersToHost(), $"{pattern} N={n} step {step}");
        }
    }

    [Theory]
    [KernelPath]
    [InlineData("kernels")]
    [InlineData("cpu")]
    public void SelectionFromNormsIsIdenticalToTheReference(string deviceName)
    {
        const int n = 257;
        var device = Device(deviceName);
        var xNorms = Scores("heavy", n, 1);
        var gNorms = Scores("heavy", n, 2);
        var k = WtaCrsBudget.For(n, 0.2);
        using var x = TestData.Tensor(device, xNorms, n);
        using var g = TestData.Tensor(device, gNorms, n);
        using var output = new WtaCrsSelectionBuffers(device.Pool, k);
        var expected = WtaCrsSelectionReference.SelectFromNorms(xNorms, gNorms, k, Seed, 9, Layer);
        WtaCrsSelectionOp.SelectFromNorms(device, x, g, output, Seed, 9, Layer);
        AssertSame(expected, output.IndicesToArray(), output.ScalesToArray(), output.WinnersToHost(), "from norms");
        Assert.InRange(expected.Winners, 1, k - 1); // the case exercises winners and draws
    }

    /// <summary>The result does not depend on the group size (fixed chunking, order-free comparisons).</summary>
    [Theory]
    [KernelPath]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(64)]
    [InlineData(96)]
    public void KernelResultIsIndependentOfTheGroupSize(int groupSize)
    {
        const int n = 150;
        var device = TestAccelerators.Kernels;
        var scores = Scores("ties", n, 3);
        var k = WtaCrsBudget.For(n, 0.3);
        using var input = TestData.Tensor(device, scores, n);
        using var output = new WtaCrsSelectionBuffers(device.Pool, k);
        WtaCrsSelectionOp.Select(device, input, output, Seed, 1, Layer, groupSize);
        AssertSame(WtaCrsSelectionReference.Select(scores, k, Seed, 1, Layer), output.IndicesToArray(), output.ScalesToArray(), output.WinnersToHost(),
            $"group {groupSize}");
    }

    [Fact]
    public void ChecksShapesBeforeLaunching()
    {
        var device = TestAccelerators.CpuBackend;
        using var scores = TestData.Tensor(device, new float[20], 20);
        using var matrix = TestData.Tensor(device, new float[20], 4, 5);
        using var other = TestData.Tensor(device, new float[21], 21);
        using var tooMany = new WtaCrsSelectionBuffers(device.Pool, 21);
        using var fine = new WtaCrsSelectionBuffers(device.Pool, 10);
        Assert.Throws<ArgumentException>(() => WtaCrsSelectionOp.Select(device, scores, tooMany, 0, 0, 0));
        Assert.Throws<ArgumentException>(() => WtaCrsSelectionOp.Select(device, matrix, fine, 0, 0, 0));
        Assert.Throws<ArgumentException>(() => WtaCrsSelectionOp.SelectFromNorms(device, scores, other, fine, 0, 0, 0));
    }

    [Fact]
    public void PlanningDeviceCountsTheWorkspaceAndLaunchesNothing()
    {
        using var planner = DeviceContext.CreatePlanner();
        const int n = 12608; // ViT-B/16, batch 64: 64 · 197 rows
        using var scores = new Tensor(planner.Pool, Kernels.Runtime.Memory.MemoryTag.Activations, "scores", n);
        using var output = new WtaCrsSelectionBuffers(planner.Pool, WtaCrsBudget.For(n, 0.3));
        planner.Pool.ResetPeak();
        var before = planner.Pool.Allocated;
        // The one-group path (12,608 rows would run device-wide by default: see WtaCrsDeviceSelectionTests).
        WtaCrsSelectionOp.Select(planner, scores, output, 0, 0, 0, path: WtaCrsSelectionPath.GroupPerProblem);
        Assert.Equal(before, planner.Pool.Allocated);
        // keys + prefix (16384 + 12608 floats) and the row order (16384 ints), both live at once.
        Assert.Equal(before + (16384L + 12608 + 16384) * 4, planner.Pool.PeakAllocated);
    }
}
