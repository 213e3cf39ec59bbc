using ILGPU.Runtime;
using static CrsIlgpu.Kernels.Tests.Sampling.SampledGemmTestData;

namespace CrsIlgpu.Kernels.Tests.Sampling;

/// <summary>
/// The sampled GEMM op on both devices ("kernels": the ILGPU kernels on the CPU accelerator, or CUDA
/// with CRS_TEST_DEVICE=cuda; "cpu": the C# backend) against <see cref="SampledGemmReference"/>.
/// Shapes stay tiny: the CPU accelerator runs every GPU thread in software.
/// </summary>
public class SampledGemmOpTests : DeviceTests
{
    /// <summary>(dout, din, n, k); (70, 9, 6, 21): two row tiles, k &gt; N forces duplicates, k not a multiple of 8.</summary>
    public static TheoryData<string, int, int, int, int> GatherShapes() =>
        DeviceCases.Of((1, 1, 1, 1), (5, 7, 13, 4), (33, 65, 40, 17), (64, 64, 64, 64), (70, 9, 6, 21));

    /// <summary>dW [dout, din] = Σ_t scale_t · G[idx_t]ᵀ X[idx_t] by <see cref="SampledGemmOp.Gather"/>, G [n, dout] and X [n, din] uploaded.</summary>
    private static float[] RunGather(DeviceContext device, float[] g, float[] x, int[] idx, float[] scales, int n, int dout, int din)
    {
        using var tg = TestData.Tensor(device, g, n, dout);
        using var tx = TestData.Tensor(device, x, n, din);
        using var ti = IndexTensor(device, idx);
        using var ts = TestData.Tensor(device, scales, idx.Length);
        using var tdw = TestData.Tensor(device, new float[dout * din], dout, din);
        SampledGemmOp.Gather(device, tg, tx, ti, ts, tdw);
        device.Synchronize();
        return tdw.ToArray();
    }

    [Theory]
    [KernelPath]
    [MemberData(nameof(GatherShapes))]
    public void GatherFormMatchesReference(string deviceName, int dout, int din, int n, int k)
    {
        var device = Device(deviceName);
        int seed = dout * 1000 + din * 10 + k;
        var g = TestData.Uniform(n * dout, seed);
        var x = TestData.Uniform(n * din, seed + 1);
        var idx = Indices(k, n, seed + 2);
        var scales = Scales(k, seed + 3);
        var p = SampledGemmProblem.Create(SampledGemmForm.Gather, dout, din, k, n);
        var expected = new float[dout * din];
        SampledGemmReference.Run(p, g, x, idx, scales, expected);

        AssertClose(p, g, x, idx, scales, expected, RunGather(device, g, x, idx, scales, n, dout, din));
    }

    [Theory]
    [KernelPath]
    [MemberData(nameof(Devices))]
    public void DuplicateIndicesAddTheirScaledTerms(string deviceName)
    {
        // Row 3 drawn five times with scales 0.5, 1, 1.5, 0.25, 3 must give 6.25·G_3ᵀX_3; row 1 once (scale 2) on top.
        var device = Device(deviceName);
        const int dout = 6, din = 10, n = 8;
        var g = TestData.Uniform(n * dout, 11);
        var x = TestData.Uniform(n * din, 12);
        int[] idx = [3, 3, 1, 3, 3, 3];
        float[] scales = [0.5f, 1f, 2f, 1.5f, 0.25f, 3f];
        var expected = new float[dout * din];
        for (var i = 0; i < dout; i++)
        {
            for (var j = 0; j < din; j++)
                expected[i * din + j] = (float)(6.25 * g[3 * dout + i] * x[3 * din + j] + 2.0 * g[1 * dout + i] * x[1 * din + j]);
        }

        var p = SampledGemmProblem.Create(SampledGemmForm.Gather, dout, din, idx.Length, n);
        AssertClose(p, g, x, idx, scales, expected, RunGather(device, g, x, idx, scales, n, dout, din));
    }

    [Theory]
    [KernelPath]
    [MemberData(nameof(Devices))]
    public void NoSamplesOverwritesWithZeros(string deviceName)
    {
        var device = Device(deviceName);
        const int dout = 9, din = 70, n = 5;
        using var tg = TestData.Tensor(device, TestData.Uniform(n * dout, 1), n, dout);
        using var tx = TestData.Tensor(device, TestData.Uniform(n * din, 2), n, din);
        using var ti = IndexTensor(device, []);
        using var ts = TestData.Tensor(device, [], 0);
        using var tdw = TestData.Tensor(device, Enumerable.Repeat(float.NaN, dout * din).ToArray(), dout, din);
        SampledGemmOp.Gather(device, tg, tx, ti, ts, tdw);
        device.Synchronize();
        Assert.All(tdw.ToArray(), v => Assert.Equal(0f, v));

        // Pre-sampled form with k = 0 as well.
        using var xs = TestData.Tensor(device, [], 0, din);
        using var tdw2 = TestData.Tensor(device, Enumerable.Repeat(float.NaN, dout * din).ToArray(), dout, din);
        SampledGemmOp.PreSampled(device, tg, xs, ti, tdw2);
        device.Synchronize();
        Assert.All(tdw2.ToArray(), v => Assert.Equal(0f, v));
    }

    [Theory]
    [KernelPath]
    [MemberData(nameof(Devices))]
    public void AllRowsWithUnitScalesEqualsDenseTnGemm(string deviceName)
    {
        var device = Device(deviceName);
        const int dout = 33, din = 20, n = 37;
        var g = TestData.Uniform(n * dout, 21);
        var x = TestData.Uniform(n * din, 22);
        var idx = Enumerable.Range(0, n).ToArray();
        var ones = Enumerable.Repeat(1f, n).ToArray();
        var dense = new float[dout * din];
        GemmReference.Run(GemmProblem.Create(GemmLayout.TN, dout, din, n), g, x, dense);

        var actual = RunGather(device, g, x, idx, ones, n, dout, din);
        // GemmReference rounds its sum to fp32 too; the bound covers both roundings.
        AssertClose(SampledGemmProblem.Create(SampledGemmForm.Gather, dout, din, n, n), g, x, idx, ones, dense, actual);
    }

    [Theory]
    [KernelPath]
    [MemberData(nameof(Devices))]
    public void PreSampledFormEqualsGatherForm(string deviceName)
    {
        var device = Device(deviceName);
        const int dout = 33, din = 65, n = 40, k = 17;
        var g = TestData.Uniform(n * dout, 31);
        var x = TestData.Uniform(n * din, 32);
        var idx = Indices(k, n, 33);
        var scales = Scales(k, 34);
        // What the forward pass stores under the Cached policy: row t = scale_t · X[idx_t].
        var xs = new float[k * din];
        for (var t = 0; t < k; t++)
        {
            for (var j = 0; j < din; j++)
                xs[t * din + j] = scales[t] * x[idx[t] * din + j];
        }
        var gather = SampledGemmProblem.Create(SampledGemmForm.Gather, dout, din, k, n);
        var expected = new float[dout * din];
        SampledGemmReference.Run(gather, g, x, idx, scales, expected);

        using var tg = TestData.Tensor(device, g, n, dout);
        using var txs = TestData.Tensor(device, xs, k, din);
        using var ti = IndexTensor(device, idx);
        using var tdw = TestData.Tensor(device, new float[dout * din], dout, din);
        SampledGemmOp.PreSampled(device, tg, txs, ti, tdw);
        device.Synchronize();
        AssertClose(gather, g, x, idx, scales, expected, tdw.ToArray());
    }

    [Theory]
    [KernelPath]
    [MemberData(nameof(Devices))]
    public void BatchedFormEqualsSingleFormPerBatch(string deviceName)
    {
        // dV = Aᵀ dO per (batch, head) = 2×2 entries, L = 13 query rows, A [L, L'=11], dO [L, 6].
        var device = Device(deviceName);
        const int batch = 2, heads = 2, l = 13, m = 11, n = 6, k = 5;
        const int entries = batch * heads;
        var a = TestData.Uniform(entries * l * m, 41);
        var b = TestData.Uniform(entries * l * n, 42);
        var idx = Indices(entries * k, l, 43);
        var scales = Scales(entries * k, 44);

        using var ta = TestData.Tensor(device, a, batch, heads, l, m);
        using var tb = TestData.Tensor(device, b, batch, heads, l, n);
        using var ti = IndexTensor(device, idx);
        using var ts = TestData.Tensor(device, scales, entries, k);
        using var tc = TestData.Tensor(device, new float[entries * m * n], batch, heads, m, n);
        SampledGemmOp.Batched(device, ta, tb, ti, ts, tc);
        device.Synchronize();
        var actual = tc.ToArray();

        var single = SampledGemmProblem.Create(SampledGemmForm.Gather, m, n, k, l);
        for (var e = 0; e < entries; e++)
        {
            var ae = a.AsSpan(e * l * m, l * m).ToArray();
            var be = b.AsSpan(e * l * n, l * n).ToArray();
            var ie = idx.AsSpan(e * k, k).ToArray();
            var se = scales.AsSpan(e * k, k).ToArray();
            var expected = new float[m * n];
            SampledGemmReference.Run(single, ae, be, ie, se, expected);
            AssertClose(single, ae, be, ie, se, expected, actual.AsSpan(e * m * n, m * n).ToArray());
        }
    }

    [Theory]
    [KernelPath]
    [MemberData(nameof(Devices))]
    public void BatchedAlphaScalesTheSum(string deviceName)
    {
        // dK = scale·dSᵀ Q: the attention scale 1/√Dh goes into the store, not into the scores.
        var device = Device(deviceName);
        const int entries = 3, l = 9, m = 9, n = 4, k = 4;
        const float alpha = 0.37f;
        var a = TestData.Uniform(entries * l * m, 51);
        var b = TestData.Uniform(entries * l * n, 52);
        var idx = Indices(entries * k, l, 53);
        var scales = Scales(entries * k, 54);
        using var ta = TestData.Tensor(device, a, entries, l, m);
        using var tb = TestData.Tensor(device, b, entries, l, n);
        using var ti = IndexTensor(device, idx);
        using var ts = TestData.Tensor(device, scales, entries * k);
        using var tc = TestData.Tensor(device, new float[entries * m * n], entries, m, n);
        SampledGemmOp.Batched(device, ta, tb, ti, ts, tc, alpha);
        device.Synchronize();

        var p = SampledGemmProblem.Create(SampledGemmForm.Gather, m, n, k, l, entries) with { Alpha = alpha };
        var expected = new float[entries * m * n];
        SampledGemmReference.Run(p, a, b, idx, scales, expected);
        var unscaled = new float[entries * m * n];
        SampledGemmReference.Run(p with { Alpha = 1f }, a, b, idx, scales, unscaled);
        Assert.True(Math.Abs(expected[0] - alpha * unscaled[0]) <= 1e-6 * Math.Abs(unscaled[0]), "the reference applies alpha");
        AssertClose(p, a, b, idx, scales, expected, tc.ToArray());
    }

    [Theory]
    [KernelPath]
    [MemberData(nameof(Devices))]
    public void DeviceWrittenOutOfRangeIndicesContributeNothing(string deviceName)
    {
        // Indices written on the device bypass the host check; the kernels must skip them, not fault.
        var device = Device(deviceName);
        const int dout = 7, din = 9, n = 6;
        var g = TestData.Uniform(n * dout, 51);
        var x = TestData.Uniform(n * din, 52);
        int[] idx = [2, -1, 6, 4, int.MaxValue, int.MinValue];
        var scales = Scales(idx.Length, 53);
        var p = SampledGemmProblem.Create(SampledGemmForm.Gather, dout, din, idx.Length, n);
        var expected = new float[dout * din];
        SampledGemmReference.Run(p, g, x, idx, scales, expected);

        using var tg = TestData.Tensor(device, g, n, dout);
        using var tx = TestData.Tensor(device, x, n, din);
        using var ti = new IntTensor(device.Pool, idx.Length);
        ti.View.CopyFromCPU(idx); // no HostRange: as if the selection kernel wrote them
        using var ts = TestData.Tensor(device, scales, idx.Length);
        using var tdw = TestData.Tensor(device, new float[dout * din], dout, din);
        SampledGemmOp.Gather(device, tg, tx, ti, ts, tdw);
        device.Synchronize();
        AssertClose(p, g, x, idx, scales, expected, tdw.ToArray());
    }

    [Fact]
    [KernelPath]
    public void HostIndexOutOfRangeIsRejectedBeforeLaunch()
    {
        var device = TestAccelerators.Kernels;
        using var tg = TestData.Tensor(device, new float[4 * 3], 4, 3);
        using var tx = TestData.Tensor(device, new float[4 * 5], 4, 5);
        using var ts = TestData.Tensor(device, [1f, 1f], 2);
        using var tdw = TestData.Tensor(device, new float[15], 3, 5);
        using var high = IndexTensor(device, [0, 4]);
        var ex = Assert.Throws<ArgumentException>(() => SampledGemmOp.Gather(device, tg, tx, high, ts, tdw));
        Assert.Contains("[0, 4)", ex.Message);
        using var negative = IndexTensor(device, [-1, 2]);
        Assert.Throws<ArgumentException>(() => SampledGemmOp.Gather(device, tg, tx, negative, ts, tdw));
    }

    [Fact]
    public void ShapeMismatchesAreRejected()
    {
        var device = TestAccelerators.CpuBackend;
        using var tg = TestData.Tensor(device, new float[4 * 3], 4, 3);
        using var tx = TestData.Tensor(device, new float[4 * 5], 4, 5);
        using var tx3 = TestData.Tensor(device, new float[3 * 5], 3, 5);
        using var ti = IndexTensor(device, [0, 1]);
        using var ts = TestData.Tensor(device, [1f, 1f], 2);
        using var ts1 = TestData.Tensor(device, [1f], 1);
        using var tdw = TestData.Tensor(device, new float[15], 3, 5);
        using var tdwT = TestData.Tensor(device, new float[15], 5, 3);
        Assert.Throws<ArgumentException>(() => SampledGemmOp.Gather(device, tg, tx3, ti, ts, tdw)); // rows differ
        Assert.Throws<ArgumentException>(() => SampledGemmOp.Gather(device, tg, tx, ti, ts1, tdw)); // one scale per index
        Assert.Throws<ArgumentException>(() => SampledGemmOp.Gather(device, tg, tx, ti, ts, tdwT)); // dW must be [Dout, Din]
        Assert.Throws<ArgumentException>(() => SampledGemmOp.PreSampled(device, tg, tx3, ti, tdw)); // Xs must have k rows
    }
}
