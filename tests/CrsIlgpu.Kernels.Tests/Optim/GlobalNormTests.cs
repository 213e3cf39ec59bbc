using CrsIlgpu.Kernels.Optim;

namespace CrsIlgpu.Kernels.Tests.Optim;

public class GlobalNormTests : DeviceTests
{
    // Three gradients of odd sizes and different scales, so dropping any tensor or a stretch of
    // elements changes the norm by ≥ 4e-4 relative.
    private static readonly int[] Sizes = [1, 37, 1000];
    private static readonly float[] Scales = [3f, 1f, 0.5f];

    // The device sums positive squares in fp32 (per thread, then the group tree, then the finish
    // pass): at most ~1040 sequential additions, each off by ≤ 2^-24 of the running sum, bound
    // 1040·6e-8 = 6.2e-5 relative on the sum of squares, half of that (3.1e-5) on its sqrt. 4e-5.
    private const double NormRelTolerance = 4e-5;

    private static float[][] Gradients() =>
        Sizes.Select((n, k) => TestData.Uniform(n, 40 + k, Scales[k])).ToArray();

    [Theory]
    [KernelPath]
    [InlineData("kernels", 1)]
    [InlineData("kernels", 7)]   // smaller than a warp
    [InlineData("kernels", 32)]
    [InlineData("kernels", 100)] // not a power of two
    [InlineData("kernels", 256)]
    [InlineData("cpu", 256)]     // the CPU backend ignores the group size
    public void MatchesReferenceAtAnyGroupSize(string deviceName, int groupSize)
    {
        var device = Device(deviceName);
        var grads = Gradients();
        var tensors = grads.Select(g => TestData.Tensor(device, g, g.Length)).ToList();
        try
        {
            var expected = OptimReference.GlobalNorm(grads);
            var norm = OptimOp.GlobalNorm(device, tensors, groupSize);
            Assert.Equal(expected, norm, expected * NormRelTolerance);
        }
        finally
        {
            tensors.ForEach(t => t.Dispose());
        }
    }

    [Theory]
    [KernelPath]
    [InlineData("kernels")]
    [InlineData("cpu")]
    public void IsBitReproducible(string deviceName)
    {
        var device = Device(deviceName);
        var grads = Gradients();
        var tensors = grads.Select(g => TestData.Tensor(device, g, g.Length)).ToList();
        try
        {
            var first = OptimOp.GlobalNorm(device, tensors, 100);
            var second = OptimOp.GlobalNorm(device, tensors, 100);
            Assert.Equal(BitConverter.SingleToInt32Bits(first), BitConverter.SingleToInt32Bits(second));
        }
        finally
        {
            tensors.ForEach(t => t.Dispose());
        }
    }

    [Theory]
    [KernelPath]
    [InlineData("kernels")]
    [InlineData("cpu")]
    public void EmptyListAndEmptyTensorsContributeNothing(string deviceName)
    {
        var device = Device(deviceName);
        Assert.Equal(0f, OptimOp.GlobalNorm(device, []));
        using var empty = new Tensor(device.Pool, Kernels.Runtime.Memory.MemoryTag.Workspace, "empty", 0);
        using var three = TestData.Tensor(device, [3f, 0f, -4f], 3);
        Assert.Equal(5f, OptimOp.GlobalNorm(device, [empty, three, empty], 7)); // sqrt(9 + 16), exact in fp32
    }

    [Fact]
    public void CpuBackendParallelSumMatchesReference()
    {
        var data = TestData.Uniform(100_003, 5); // > 8 chunks of 8192: the Parallel.For path, with a ragged last chunk
        var expected = data.Sum(x => (double)x * x);
        // fp32 within 8192-element chunks: two vector accumulators, so each lane adds ≤ 512 positive
        // terms (Vector256; 256 with Vector512), then double. Bound 512·6e-8 ≈ 3.1e-5 relative: 4e-5.
        // A lost or doubled chunk moves the sum by ≈ 8%.
        Assert.Equal(expected, OptimCpu.SumOfSquares(data), expected * 4e-5);
    }

    [Theory]
    [KernelPath]
    [InlineData(0)]
    [InlineData(1025)]
    public void RejectsGroupSizesOutsideOneToMaxGroupSize(int groupSize)
    {
        var device = TestAccelerators.Kernels;
        using var t = TestData.Tensor(device, [1f], 1);
        var ex = Assert.Throws<ArgumentException>(() => OptimOp.GlobalNorm(device, [t], groupSize));
        Assert.Contains("global_norm", ex.Message);
    }

    [Theory]
    [InlineData(0.5f, 1f)]
    [InlineData(0f, 1f)]
    [InlineData(0.999f, 1f)] // just below max: 1/(0.999 + 1e-6) > 1 → clamped to 1
    public void ClipScaleIsOneBelowMaxNorm(float norm, float maxNorm) =>
        Assert.Equal(1f, OptimOp.ClipScale(norm, maxNorm));

    [Theory]
    [InlineData(10f, 1f)]
    [InlineData(2f, 1.5f)]
    [InlineData(1f, 1f)] // at max norm torch's factor is 1/(1 + 1e-6): a hair below 1
    public void ClipScaleIsMaxOverNormAboveMaxNorm(float norm, float maxNorm)
    {
        var scale = OptimOp.ClipScale(norm, maxNorm);
        // fp32 division of fp32 inputs: within 1 ulp (≤ 1.2e-7 for scales ≤ 1) of the double value.
        Assert.Equal(OptimReference.ClipScale(norm, maxNorm), scale, 1.2e-7);
        Assert.True(scale < 1f);
    }

    [Fact]
    public void ClipScaleEdgeCases()
    {
        Assert.Equal(0f, OptimOp.ClipScale(float.PositiveInfinity, 1f));
        Assert.True(float.IsNaN(OptimOp.ClipScale(float.NaN, 1f)));
        Assert.Throws<ArgumentOutOfRangeException>(() => OptimOp.ClipScale(1f, 0f));
        Assert.Throws<ArgumentOutOfRangeException>(() => OptimOp.ClipScale(1f, float.NaN));
    }

    [Theory]
    [KernelPath]
    [InlineData("kernels")]
    [InlineData("cpu")]
    public void ClippedAdamStepMatchesReference(string deviceName)
    {
        // The training-step sequence: norm on the device, scale on the host, scale fed into Adam.
        var device = Device(deviceName);
        var hp = AdamHyperParameters.AdamW(1e-2, 0.1);
        var grads = Gradients();
        var maxNorm = (float)(0.25 * OptimReference.GlobalNorm(grads)); // clipping active
        var tensors = grads.Select(g => TestData.Tensor(device, g, g.Length)).ToList();
        var parameters = grads.Select((g, k) => TestData.Tensor(device, TestData.Uniform(g.Length, 60 + k), g.Length)).ToList();
        var moments = grads.SelectMany(g => new[] { TestData.Tensor(device, new float[g.Length], g.Length), TestData.Tensor(device, new float[g.Length],
            g.Length) }).ToList();
        try
        {
            var scale = OptimOp.ClipScale(OptimOp.GlobalNorm(device, tensors), maxNorm);
            var expectedScale = OptimReference.ClipScale(OptimReference.GlobalNorm(grads), maxNorm);
            Assert.Equal(expectedScale, scale, expectedScale * 5e-5); // the norm's 4e-5 plus one fp32 division
            Assert.InRange(scale, 0.24f, 0.26f);
            for (var k = 0; k < grads.Length; k++)
            {
                var p = TestData.Uniform(grads[k].Length, 60 + k);
                float[] m = new float[p.Length], v = new float[p.Length];
                OptimReference.Adam(p, grads[k], m, v, hp, 1, (float)expectedScale);
                OptimOp.Adam(device, parameters[k], tensors[k], moments[2 * k], moments[2 * k + 1], hp, 1, scale);
                device.Synchronize();
                // At t = 1 the step is lr·sign(g) whatever the scale, so check m (∝ scale) too:
                // 1e-4 relative covers the 5e-5 on the scale; p as in AdamOpTests (2e-6).
                var gotP = parameters[k].ToArray();
                var gotM = moments[2 * k].ToArray();
                for (var i = 0; i < p.Length; i++)
                {
                    Assert.Equal(p[i], gotP[i], 2e-6);
                    Assert.Equal(m[i], gotM[i], 1e-9 + 1e-4 * Math.Abs(m[i]));
                }
            }
        }
        finally
        {
            tensors.Concat(parameters).Concat(moments).ToList().ForEach(t => t.Dispose());
        }
    }
}
