using CrsIlgpu.Kernels.LayerNorm;
using CrsIlgpu.Kernels.Tests.Reduction;

namespace CrsIlgpu.Kernels.Tests.LayerNorm;

public class LayerNormOpTests : DeviceTests
{
    /// <summary>Both devices at odd widths: d = 1 (zero variance), shorter than a warp, just over a warp, 65, 192 (ViT-Tiny).</summary>
    public static TheoryData<string, int, int> DevicesAndShapes => DeviceCases.Of((1, 1), (3, 5), (37, 33), (3, 65), (37, 192));

    // Tolerances, relative to max(1, |expected|) against the double reference: the row statistics
    // are fp32 sums of ≤ 300 terms (relative error ≲ depth·2^-24 ≈ 1e-6 for the tree, up to
    // d·2^-24 ≈ 2e-5 for the CPU backend's vectorized sums in the worst case), and y, dx multiply
    // them by values of order 1–5. Forward outputs: 1e-5. dx subtracts two row means from g
    // (cancellation), and dgamma/dbeta add up to 100 rows in fp32: 1e-4. A wrong formula is off by
    // 1e-2 or more.
    private const double ForwardTolerance = 1e-5;
    private const double BackwardTolerance = 1e-4;

    private sealed record Case(int Rows, int D, float[] X, float[] Gamma, float[] Beta, float[] Dy)
    {
        public static Case Make(int rows, int d, int seed, float offset = 0f)
        {
            var x = TestData.Uniform(rows * d, seed, 3f);
            for (var i = 0; i < x.Length; i++)
                x[i] += offset;
            var gamma = TestData.Uniform(d, seed + 1).Select(v => 1f + 0.5f * v).ToArray();
            return new Case(rows, d, x, gamma, TestData.Uniform(d, seed + 2), TestData.Uniform(rows * d, seed + 3));
        }
    }

    private sealed class Expected
    {
        public Expected(Case c, float eps = LayerNormOp.DefaultEps)
        {
            Y = new float[c.X.Length];
            Mean = new float[c.Rows];
            Rstd = new float[c.Rows];
            Dx = new float[c.X.Length];
            Dgamma = new float[c.D];
            Dbeta = new float[c.D];
            LayerNormReference.Forward(c.X, c.Gamma, c.Beta, Y, Mean, Rstd, c.D, eps);
            LayerNormReference.Backward(c.X, Mean, Rstd, c.Gamma, c.Dy, Dx, Dgamma, Dbeta, c.D);
        }

        public float[] Y { get; }
        public float[] Mean { get; }
        public float[] Rstd { get; }
        public float[] Dx { get; }
        public float[] Dgamma { get; }
        public float[] Dbeta { get; }
    }

    /// <summary>The backward's operands on a device: the case's x, gamma and dy, the reference's statistics, dx zeroed and
    /// dgamma, dbeta filled with the given values (the backward must overwrite them).</summary>
    private sealed class BackwardTensors : IDisposable
    {
        private readonly DeviceContext _device;

        public BackwardTensors(DeviceContext device, Case c, Expected e, float dgammaFill = 0f, float dbetaFill = 0f)
        {
            _device = device;
            X = TestData.Tensor(device, c.X, c.Rows, c.D);
            Mean = TestData.Tensor(device, e.Mean, c.Rows);
            Rstd = TestData.Tensor(device, e.Rstd, c.Rows);
            Gamma = TestData.Tensor(device, c.Gamma, c.D);
            Dy = TestData.Tensor(device, c.Dy, c.Rows, c.D);
            Dx = TestData.Tensor(device, new float[c.X.Length], c.Rows, c.D);
            Dgamma = TestData.Tensor(device, Enumerable.Repeat(dgammaFill, c.D).ToArray(), c.D);
            Dbeta = TestData.Tensor(device, Enumerable.Repeat(dbetaFill, c.D).ToArray(), c.D);
        }

        public Tensor X { get; }
        public Tensor Mean { get; }
        public Tensor Rstd { get; }
        public Tensor Gamma { get; }
        public Tensor Dy { get; }
        public Tensor Dx { get; }
        public Tensor Dgamma { get; }
        public Tensor Dbeta { get; }

        /// <summary><see cref="LayerNormOp.Backward"/> into <see cref="Dx"/>, or into <paramref name="dx"/> (which may be <see cref="Dy"/>).</summary>
        public void Run(Tensor? dx = null) => LayerNormOp.Backward(_device, X, Mean, Rstd, Gamma, Dy, dx ?? Dx, Dgamma, Dbeta);

        public void Dispose()
        {
            foreach (var t in new[] { Dbeta, Dgamma, Dx, Dy, Gamma, Rstd, Mean, X })
                t.Dispose();
        }
    }

    /// <summary>Each element within <paramref name="tolerance"/> relative to max(1, |expected|).</summary>
    private static void Close(float[] expected, float[] actual, double tolerance, string what) =>
        Closeness.AssertClose(expected, actual, i => tolerance * Math.Max(1.0, Math.Abs(expected[i])), what);

    [Theory]
    [KernelPath]
    [MemberData(nameof(DevicesAndShapes))]
    public void ForwardMatchesReference(string deviceName, int rows, int d)
    {
        var device = Device(deviceName);
        var c = Case.Make(rows, d, d);
        var e = new Expected(c);
        using var x = TestData.Tensor(device, c.X, rows, d);
        using var gamma = TestData.Tensor(device, c.Gamma, d);
        using var beta = TestData.Tensor(device, c.Beta, d);
        using var y = TestData.Tensor(device, new float[c.X.Length], rows, d);
        using var mean = TestData.Tensor(device, new float[rows], rows);
        using var rstd = TestData.Tensor(device, new float[rows], rows);
        LayerNormOp.Forward(device, x, gamma, beta, y, mean, rstd);
        device.Synchronize();
        Close(e.Y, y.ToArray(), ForwardTolerance, "y");
        Close(e.Mean, mean.ToArray(), ForwardTolerance, "mean");
        Close(e.Rstd, rstd.ToArray(), ForwardTolerance, "rstd");
    }

    [Theory]
    [KernelPath]
    [MemberData(nameof(Devices))]
    public void ForwardTakesEpsAndAnyRankAndAnOffsetMean(string deviceName)
    {
        var device = Device(deviceName);
        // Mean 50, spread 3: E[x²] − mean² would lose ~3 digits in fp32; the two-pass variance does not.
        var c = Case.Make(2 * 3, 48, 1, offset: 50f);
        var e = new Expected(c, eps: 1e-5f);
        using var x = TestData.Tensor(device, c.X, 2, 3, 48);
        using var gamma = TestData.Tensor(device, c.Gamma, 48);
        using var beta = TestData.Tensor(device, c.Beta, 48);
        using var y = TestData.Tensor(device, new float[c.X.Length], 2, 3, 48);
        using var mean = TestData.Tensor(device, new float[6], 2, 3);
        using var rstd = TestData.Tensor(device, new float[6], 6);
        LayerNormOp.Forward(device, x, gamma, beta, y, mean, rstd, eps: 1e-5f);
        device.Synchronize();
        // x itself is rounded to 50·2^-24 ≈ 3e-6, which xhat scales by rstd ≈ 0.6: 2e-5.
        Close(e.Y, y.ToArray(), 2e-5, "y");
        Close(e.Mean, mean.ToArray(), ForwardTolerance, "mean");
        Close(e.Rstd, rstd.ToArray(), ForwardTolerance, "rstd");
    }

    [Theory]
    [KernelPath]
    [MemberData(nameof(Devices))]
    public void ConstantRowGivesBetaAndRstdOfEps(string deviceName)
    {
        var device = Device(deviceName);
        const int d = 10;
        var c = Case.Make(1, d, 2);
        using var x = TestData.Tensor(device, Enumerable.Repeat(3.5f, d).ToArray(), 1, d);
        using var gamma = TestData.Tensor(device, c.Gamma, d);
        using var beta = TestData.Tensor(device, c.Beta, d);
        using var y = TestData.Tensor(device, new float[d], 1, d);
        using var mean = TestData.Tensor(device, new float[1], 1);
        using var rstd = TestData.Tensor(device, new float[1], 1);
        LayerNormOp.Forward(device, x, gamma, beta, y, mean, rstd);
        device.Synchronize();
        Assert.Equal(c.Beta, y.ToArray());
        Assert.Equal(3.5f, mean.ToArray()[0]);
        Assert.Equal(1000f, rstd.ToArray()[0], 0.01f); // 1/√1e-6; 1e-5 relative
    }

    [Theory]
    [KernelPath]
    [MemberData(nameof(DevicesAndShapes))]
    public void BackwardMatchesReference(string deviceName, int rows, int d) => CheckBackward(Device(deviceName), Case.Make(rows, d, d + 1));

    [Theory]
    [KernelPath]
    [MemberData(nameof(Devices))]
    public void BackwardSumsParamGradsOverPartialRowBlocksAndOverwritesThem(string deviceName) =>
        CheckBackward(Device(deviceName), Case.Make(70, 37, 3)); // 70 rows: two full blocks of 32 and a partial one

    [Fact]
    [KernelPath]
    public void ParamGradsReduceInTwoLevelsInTheReferencesExactOrder()
    {
        // 1100 rows: 35 blocks of 32 rows → 3 chunks of 16 blocks (the last partial) → dgamma, dbeta.
        var c = Case.Make(1100, 5, 11);
        var e = new Expected(c);
        Assert.Equal(3, LayerNormKernels.ParamChunks(c.Rows));
        var (dgammaRef, dbetaRef) = (new float[c.D], new float[c.D]);
        LayerNormReference.ParamGradsInKernelOrder(c.X, e.Mean, e.Rstd, c.Dy, dgammaRef, dbetaRef, c.Rows, c.D);
        Close(e.Dgamma, dgammaRef, BackwardTolerance, "reference dgamma"); // the order is a sum of the same terms
        using var device = TestDevices.Create("kernels"); // its own: the profiler is switched on
        using var t = new BackwardTensors(device, c, e);
        device.Profiler.Enabled = true;
        t.Run();
        device.Profiler.Enabled = false;
        // Bit for bit off CUDA: the kernels add in exactly this order. On CUDA ptxas contracts dy·x̂ into the block sums (FFMA):
        // each term passes through RowsPerBlock + BlocksPerChunk + chunks roundings, the derived bound of FmaTolerance.
        var roundings = LayerNormKernels.RowsPerBlock + LayerNormKernels.BlocksPerChunk + LayerNormKernels.ParamChunks(c.Rows);
        FmaTolerance.AssertEqual(device, dgammaRef, t.Dgamma.ToArray(), roundings, j => AbsoluteParamTerms(c, e, j), "dgamma");
        Assert.Equal(dbetaRef, t.Dbeta.ToArray()); // Σ dy: adds only, nothing to contract, exact on every device
        Assert.Equal(2, device.Profiler.Launches.Count(l => l.Kernel == LayerNormKernels.BackwardParamsReduceName)); // the two levels
    }

    /// <summary>Σ_r |dy_rj · (x_rj − mean_r) · rstd_r|: the absolute sum of column j's dgamma terms.</summary>
    private static double AbsoluteParamTerms(Case c, Expected e, int j)
    {
        var sum = 0.0;
        for (var r = 0; r < c.Rows; r++)
            sum += Math.Abs((double)c.Dy[r * c.D + j] * (c.X[r * c.D + j] - e.Mean[r]) * e.Rstd[r]);
        return sum;
    }

    [Theory]
    [KernelPath]
    [MemberData(nameof(Devices))]
    public void ZeroRowsLaunchNothingAndGiveZeroParamGrads(string deviceName)
    {
        var device = Device(deviceName);
        using var x = TestData.Tensor(device, [], 0, 4);
        using var mean = TestData.Tensor(device, [], 0);
        using var rstd = TestData.Tensor(device, [], 0);
        using var gamma = TestData.Tensor(device, [1f, 2f, 3f, 4f], 4);
        using var y = TestData.Tensor(device, [], 0, 4);
        using var dgamma = TestData.Tensor(device, [9f, 9f, 9f, 9f], 4);
        using var dbeta = TestData.Tensor(device, [9f, 9f, 9f, 9f], 4);
        LayerNormOp.Forward(device, x, gamma, gamma, y, mean, rstd);
        LayerNormOp.Backward(device, x, mean, rstd, gamma, y, y, dgamma, dbeta);
        Assert.Equal(new float[4], dgamma.ToArray());
        Assert.Equal(new float[4], dbeta.ToArray());
    }

    private static void CheckBackward(DeviceContext device, Case c)
    {
        var e = new Expected(c);
        using var t = new BackwardTensors(device, c, e, dgammaFill: 123f, dbetaFill: -7f);
        t.Run();
        device.Synchronize();
        Close(e.Dx, t.Dx.ToArray(), BackwardTolerance, "dx");
        Close(e.Dgamma, t.Dgamma.ToArray(), BackwardTolerance, "dgamma");
        Close(e.Dbeta, t.Dbeta.ToArray(), BackwardTolerance, "dbeta");
    }

    [Theory]
    [KernelPath]
    [MemberData(nameof(Devices))]
    public void BackwardIsBitwiseReproducibleAndMayWriteDxOverDy(string deviceName)
    {
        var device = Device(deviceName);
        var c = Case.Make(100, 24, 4);
        using var t = new BackwardTensors(device, c, new Expected(c));

        t.Run();
        device.Synchronize();
        var (dx1, dg1, db1) = (t.Dx.ToArray(), t.Dgamma.ToArray(), t.Dbeta.ToArray());
        for (var run = 0; run < 3; run++)
        {
            t.Run();
            device.Synchronize();
            Assert.Equal(dx1, t.Dx.ToArray());
            Assert.Equal(dg1, t.Dgamma.ToArray());
            Assert.Equal(db1, t.Dbeta.ToArray());
        }

        t.Run(dx: t.Dy); // dx over dy
        device.Synchronize();
        Assert.Equal(dx1, t.Dy.ToArray());
        Assert.Equal(dg1, t.Dgamma.ToArray());
        Assert.Equal(db1, t.Dbeta.ToArray());
    }

    [Theory]
    [KernelPath]
    [MemberData(nameof(GroupSizeCases.GroupSizesAndRowLengths), MemberType = typeof(GroupSizeCases))]
    public void KernelsAreRightForAnyGroupSize(int groupSize, int d)
    {
        var device = TestAccelerators.Kernels;
        var c = Case.Make(3, d, groupSize + d);
        var e = new Expected(c);
        using var x = TestData.Tensor(device, c.X, c.Rows, d);
        using var gamma = TestData.Tensor(device, c.Gamma, d);
        using var beta = TestData.Tensor(device, c.Beta, d);
        using var y = TestData.Tensor(device, new float[c.X.Length], c.Rows, d);
        using var mean = TestData.Tensor(device, new float[c.Rows], c.Rows);
        using var rstd = TestData.Tensor(device, new float[c.Rows], c.Rows);
        using var dy = TestData.Tensor(device, c.Dy, c.Rows, d);
        using var dx = TestData.Tensor(device, new float[c.X.Length], c.Rows, d);

        LayerNormKernels.LaunchForward(device, x.View, gamma.View, beta.View, y.View, mean.View, rstd.View, c.Rows, d, LayerNormOp.DefaultEps, groupSize);
        device.Synchronize();
        Close(e.Y, y.ToArray(), ForwardTolerance, "y");
        Close(e.Mean, mean.ToArray(), ForwardTolerance, "mean");
        Close(e.Rstd, rstd.ToArray(), ForwardTolerance, "rstd");

        mean.CopyFrom(e.Mean);
        rstd.CopyFrom(e.Rstd);
        LayerNormKernels.LaunchBackwardDx(device, x.View, mean.View, rstd.View, gamma.View, dy.View, dx.View, c.Rows, d, groupSize);
        device.Synchronize();
        Close(e.Dx, dx.ToArray(), BackwardTolerance, "dx");
    }

    [Fact]
    public void ReferenceBackwardIsTheGradientOfTheForward()
    {
        // L = Σ dy ⊙ LayerNorm(x; gamma, beta): the reference backward against central differences.
        const int rows = 3, d = 7;
        const float eps = 1e-5f, h = 1e-2f; // central differences: O(h²) truncation plus fp32 rounding / 2h, ~1e-4
        var c = Case.Make(rows, d, 5);
        var e = new Expected(c, eps);
        for (var i = 0; i < c.X.Length; i++)
            Assert.Equal(Numeric(c, eps, h, x: i), e.Dx[i], 2e-3);
        for (var j = 0; j < d; j++)
        {
            Assert.Equal(Numeric(c, eps, h, gamma: j), e.Dgamma[j], 2e-3);
            Assert.Equal(Numeric(c, eps, h, beta: j), e.Dbeta[j], 2e-3);
        }
    }

    private static double Numeric(Case c, float eps, float h, int x = -1, int gamma = -1, int beta = -1)
    {
        double Objective(float step)
        {
            var xs = (float[])c.X.Clone();
            var gs = (float[])c.Gamma.Clone();
            var bs = (float[])c.Beta.Clone();
            if (x >= 0) xs[x] += step;
            if (gamma >= 0) gs[gamma] += step;
            if (beta >= 0) bs[beta] += step;
            var y = new float[xs.Length];
            LayerNormReference.Forward(xs, gs, bs, y, new float[c.Rows], new float[c.Rows], c.D, eps);
            return y.Select((v, k) => (double)v * c.Dy[k]).Sum();
        }
        return (Objective(h) - Objective(-h)) / (2 * h);
    }

    [Fact]
    [KernelPath]
    public void WrongParameterOrStatisticShapesNameTheOp()
    {
        var device = TestAccelerators.Kernels;
        using var x = TestData.Tensor(device, new float[12], 3, 4);
        using var y = TestData.Tensor(device, new float[12], 3, 4);
        using var gamma = TestData.Tensor(device, new float[4], 4);
        using var beta = TestData.Tensor(device, new float[3], 3);
        using var stats = TestData.Tensor(device, new float[3], 3);
        using var wrongStats = TestData.Tensor(device, new float[4], 4);
        var ex = Assert.Throws<ArgumentException>(() => LayerNormOp.Forward(device, x, gamma, beta, y, stats, stats));
        Assert.Contains(LayerNormKernels.ForwardName, ex.Message);
        Assert.Contains("[3]", ex.Message);
        ex = Assert.Throws<ArgumentException>(() => LayerNormOp.Backward(device, x, wrongStats, stats, gamma, y, y, gamma, gamma));
        Assert.Contains(LayerNormOp.BackwardName, ex.Message);
    }
}
