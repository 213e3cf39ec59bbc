using CrsIlgpu.Kernels.LayerNorm;
using CrsIlgpu.Kernels.Runtime;

namespace CrsIlgpu.Kernels.Tests.LayerNorm;

public class LayerNormOpTests
{
    public static TheoryData<string> Devices => ["kernels", "cpu"];

    private static DeviceContext Device(string name) => name == "kernels" ? TestAccelerators.Kernels : TestAccelerators.CpuBackend;

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

    private static void Close(float[] expected, float[] actual, double tolerance, string what)
    {
        var diff = TestData.MaxAbsDiff(expected, actual);
        Assert.True(diff < tolerance, $"{what}: max diff {diff} ≥ {tolerance}");
    }

    [Theory]
    [MemberData(nameof(Devices))]
    public void ForwardMatchesReference(string deviceName)
    {
        var device = Device(deviceName);
        var c = Case.Make(2 * 3, 48, 1, offset: 50f); // an offset mean: the two-pass variance keeps it accurate
        var e = new Expected(c, eps: 1e-5f);
        using var x = TestData.Tensor(device, c.X, 2, 3, 48);
        using var gamma = TestData.Tensor(device, c.Gamma, 48);
        using var beta = TestData.Tensor(device, c.Beta, 48);
        using var y = TestData.Tensor(device, new float[c.X.Length], 2, 3, 48);
        using var mean = TestData.Tensor(device, new float[6], 2, 3);
        using var rstd = TestData.Tensor(device, new float[6], 6);
        LayerNormOp.Forward(device, x, gamma, beta, y, mean, rstd, eps: 1e-5f);
        device.Synchronize();
        Close(e.Y, y.ToArray(), 2e-4, "y");
        Close(e.Mean, mean.ToArray(), 1e-4, "mean");
        Close(e.Rstd, rstd.ToArray(), 1e-5, "rstd");
    }

    [Theory]
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
        Assert.Equal(1000f, rstd.ToArray()[0], 0.1f); // 1/√1e-6
    }

    [Theory]
    [MemberData(nameof(Devices))]
    public void BackwardMatchesReferenceAndOverwritesParamGrads(string deviceName)
    {
        var device = Device(deviceName);
        var c = Case.Make(70, 37, 3); // 70 rows: two full blocks of 32 and a partial one
        var e = new Expected(c);
        using var x = TestData.Tensor(device, c.X, c.Rows, c.D);
        using var mean = TestData.Tensor(device, e.Mean, c.Rows);
        using var rstd = TestData.Tensor(device, e.Rstd, c.Rows);
        using var gamma = TestData.Tensor(device, c.Gamma, c.D);
        using var dy = TestData.Tensor(device, c.Dy, c.Rows, c.D);
        using var dx = TestData.Tensor(device, new float[c.X.Length], c.Rows, c.D);
        using var dgamma = TestData.Tensor(device, Enumerable.Repeat(123f, c.D).ToArray(), c.D);
        using var dbeta = TestData.Tensor(device, Enumerable.Repeat(-7f, c.D).ToArray(), c.D);
        LayerNormOp.Backward(device, x, mean, rstd, gamma, dy, dx, dgamma, dbeta);
        device.Synchronize();
        Close(e.Dx, dx.ToArray(), 1e-4, "dx");
        Close(e.Dgamma, dgamma.ToArray(), 1e-4, "dgamma");
        Close(e.Dbeta, dbeta.ToArray(), 1e-4, "dbeta");
    }

    [Theory]
    [MemberData(nameof(Devices))]
    public void BackwardIsBitwiseReproducibleAndMayWriteDxOverDy(string deviceName)
    {
        var device = Device(deviceName);
        var c = Case.Make(100, 24, 4);
        var e = new Expected(c);
        using var x = TestData.Tensor(device, c.X, c.Rows, c.D);
        using var mean = TestData.Tensor(device, e.Mean, c.Rows);
        using var rstd = TestData.Tensor(device, e.Rstd, c.Rows);
        using var gamma = TestData.Tensor(device, c.Gamma, c.D);
        using var dy = TestData.Tensor(device, c.Dy, c.Rows, c.D);
        using var dx = TestData.Tensor(device, new float[c.X.Length], c.Rows, c.D);
        using var dgamma = TestData.Tensor(device, new float[c.D], c.D);
        using var dbeta = TestData.Tensor(device, new float[c.D], c.D);

        LayerNormOp.Backward(device, x, mean, rstd, gamma, dy, dx, dgamma, dbeta);
        device.Synchronize();
        var (dx1, dg1, db1) = (dx.ToArray(), dgamma.ToArray(), dbeta.ToArray());
        for (var run = 0; run < 3; run++)
        {
            LayerNormOp.Backward(device, x, mean, rstd, gamma, dy, dx, dgamma, dbeta);
            device.Synchronize();
            Assert.Equal(dx1, dx.ToArray());
            Assert.Equal(dg1, dgamma.ToArray());
            Assert.Equal(db1, dbeta.ToArray());
        }

        LayerNormOp.Backward(device, x, mean, rstd, gamma, dy, dy, dgamma, dbeta); // dx over dy
        device.Synchronize();
        Assert.Equal(dx1, dy.ToArray());
        Assert.Equal(dg1, dgamma.ToArray());
        Assert.Equal(db1, dbeta.ToArray());
    }

    [Theory]
    [InlineData(1, 5)]
    [InlineData(7, 5)]
    [InlineData(7, 300)]
    [InlineData(31, 300)]
    [InlineData(32, 300)]
    [InlineData(33, 300)]
    [InlineData(100, 5)]
    [InlineData(100, 300)]
    [InlineData(256, 300)]
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
        Close(e.Y, y.ToArray(), 1e-4, "y");
        Close(e.Mean, mean.ToArray(), 1e-5, "mean");
        Close(e.Rstd, rstd.ToArray(), 1e-4, "rstd");

        mean.CopyFrom(e.Mean);
        rstd.CopyFrom(e.Rstd);
        LayerNormKernels.LaunchBackwardDx(device, x.View, mean.View, rstd.View, gamma.View, dy.View, dx.View, c.Rows, d, groupSize);
        device.Synchronize();
        Close(e.Dx, dx.ToArray(), 1e-4, "dx");
    }

    [Fact]
    public void ReferenceBackwardIsTheGradientOfTheForward()
    {
        // L = Σ dy ⊙ LayerNorm(x; gamma, beta): the reference backward against central differences.
        const int rows = 3, d = 7;
        const float eps = 1e-5f, h = 1e-2f;
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
