using CrsIlgpu.Kernels.Runtime.Memory;
using CrsIlgpu.Kernels.LayerNorm;

namespace CrsIlgpu.Kernels.Tests.LayerNorm;

/// <summary>
/// LayerNorm's backward from its output (<see cref="LayerNormOp.RecoverInput"/>): the kernel, the CPU
/// backend and the reference give the same bits; the backward from the recovered input equals the
/// backward from the real one up to rounding; a γ of exactly 0 gives x̂ = 0 in that column, as documented.
/// </summary>
[KernelPath]
public class LayerNormRecoverInputTests : DeviceTests
{
    public static TheoryData<string, int, int> DevicesAndShapes => DeviceCases.Of((1, 1), (3, 5), (37, 33), (2, 768));

    private static float[] Gamma(int d, int seed, int? zeroColumn = null)
    {
        // Both signs and magnitudes well away from 0, so x̂ = (y − β)/γ is well conditioned.
        var gamma = TestData.Uniform(d, seed).Select(v => v < 0 ? v - 0.5f : v + 0.5f).ToArray();
        if (zeroColumn is { } j)
            gamma[j] = 0f;
        return gamma;
    }

    [Theory]
    [MemberData(nameof(DevicesAndShapes))]
    public void KernelCpuBackendAndReferenceGiveTheSameBits(string deviceName, int rows, int d)
    {
        var device = Device(deviceName);
        var y = TestData.Uniform(rows * d, 1, 3f);
        var gamma = Gamma(d, 2, zeroColumn: d > 1 ? d / 2 : null);
        var beta = TestData.Uniform(d, 3);
        var mean = TestData.Uniform(rows, 4);
        var rstd = TestData.Uniform(rows, 5).Select(v => 0.5f + MathF.Abs(v) * 4).ToArray();
        var expected = new float[y.Length];
        LayerNormReference.RecoverInput(y, gamma, beta, mean, rstd, expected, d);

        using var yt = TestData.Tensor(device, y, rows, d);
        using var gt = TestData.Tensor(device, gamma, d);
        using var bt = TestData.Tensor(device, beta, d);
        using var mt = TestData.Tensor(device, mean, rows);
        using var rt = TestData.Tensor(device, rstd, rows);
        using var x = new Tensor(device.Pool, MemoryTag.Workspace, "x", rows, d);
        LayerNormOp.RecoverInput(device, yt, gt, bt, mt, rt, x);

        Assert.Equal(expected.Select(BitConverter.SingleToInt32Bits), x.ToArray().Select(BitConverter.SingleToInt32Bits));
    }

    [Theory]
    [MemberData(nameof(DevicesAndShapes))]
    public void TheBackwardFromTheRecoveredInputEqualsTheBackwardFromTheInput(string deviceName, int rows, int d)
    {
        var device = Device(deviceName);
        var (fromInput, fromOutput, _) = Backwards(device, rows, d, Gamma(d, 7));
        // x̂ comes back through a division by γ and by rstd and an add of the mean: a few ulp of x̂
        // per element, against values of order 1; the backward's own sums are unchanged.
        for (var t = 0; t < 3; t++)
        {
            var scale = Math.Max(1f, fromInput[t].Max(MathF.Abs));
            var error = fromInput[t].Zip(fromOutput[t], (a, b) => Math.Abs(a - b)).Max();
            Assert.True(error <= 1e-5 * scale, $"{new[] { "dx", "dgamma", "dbeta" }[t]}: max error {error:E2} at scale {scale:E2}");
        }
    }

    [Theory]
    [InlineData("kernels")]
    [InlineData("cpu")]
    public void AZeroGammaColumnLosesItsXhatAsDocumented(string deviceName)
    {
        const int rows = 9, d = 8, zero = 3;
        var device = Device(deviceName);
        var (fromInput, fromOutput, recovered) = Backwards(device, rows, d, Gamma(d, 11, zeroColumn: zero));

        // dβ = Σ dy does not read x at all: exact. dγ of the zero column: Σ dy·0 = 0 (the real one is not 0).
        Assert.Equal(fromInput[2], fromOutput[2]);
        Assert.Equal(0f, fromOutput[1][zero]);
        Assert.NotEqual(0f, fromInput[1][zero]);
        // The recovered input of that column is the row mean (x̂ = 0); the other columns keep their x̂.
        var mean = recovered.Mean;
        for (var r = 0; r < rows; r++)
            Assert.Equal(mean[r], recovered.X[r * d + zero]);
        for (var j = 0; j < d; j++)
        {
            if (j == zero)
                continue;
            var error = Math.Abs(fromInput[1][j] - fromOutput[1][j]);
            Assert.True(error <= 1e-5 * Math.Max(1f, Math.Abs(fromInput[1][j])), $"dgamma[{j}]: {error:E2}");
        }
    }

    /// <summary>Forward from x; backward from x and backward from x recovered from y: (dx, dγ, dβ) of each, and the recovered x with the means.</summary>
    private static (float[][] FromInput, float[][] FromOutput, (float[] X, float[] Mean) Recovered) Backwards(DeviceContext device, int rows, int d, float[] gamma)
    {
        var xData = TestData.Uniform(rows * d, 21, 3f);
        using var x = TestData.Tensor(device, xData, rows, d);
        using var g = TestData.Tensor(device, gamma, d);
        using var b = TestData.Tensor(device, TestData.Uniform(d, 22), d);
        using var dy = TestData.Tensor(device, TestData.Uniform(rows * d, 23), rows, d);
        using var y = new Tensor(device.Pool, MemoryTag.Activations, "y", rows, d);
        using var mean = new Tensor(device.Pool, MemoryTag.Activations, "mean", rows);
        using var rstd = new Tensor(device.Pool, MemoryTag.Activations, "rstd", rows);
        LayerNormOp.Forward(device, x, g, b, y, mean, rstd);
        using var recovered = new Tensor(device.Pool, MemoryTag.Workspace, "x_recovered", rows, d);
        LayerNormOp.RecoverInput(device, y, g, b, mean, rstd, recovered);

        float[] Run(Tensor input, out float[] dgamma, out float[] dbeta)
        {
            using var dx = new Tensor(device.Pool, MemoryTag.Activations, "dx", rows, d);
            using var dg = new Tensor(device.Pool, MemoryTag.Gradients, "dgamma", d);
            using var db = new Tensor(device.Pool, MemoryTag.Gradients, "dbeta", d);
            LayerNormOp.Backward(device, input, mean, rstd, g, dy, dx, dg, db);
            (dgamma, dbeta) = (dg.ToArray(), db.ToArray());
            return dx.ToArray();
        }

        var dx1 = Run(x, out var dg1, out var db1);
        var dx2 = Run(recovered, out var dg2, out var db2);
        return ([dx1, dg1, db1], [dx2, dg2, db2], (recovered.ToArray(), mean.ToArray()));
    }
}
