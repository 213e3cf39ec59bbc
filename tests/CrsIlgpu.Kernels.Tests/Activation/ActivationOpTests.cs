using CrsIlgpu.Kernels.Activation;

namespace CrsIlgpu.Kernels.Tests.Activation;

public class ActivationOpTests : DeviceTests
{
    // Inputs in [−4, 4] cover both tails of the erfc fit and the zero crossing of gelu'.
    private const float InputScale = 4f;

    // Tolerance, relative to the double reference: the fp32 fit is ≤ 1.2e-6 (ActivationReferenceTests);
    // a device exp (ex2.approx after scaling the argument, ≤ 8 here) may add ≈ 8·6e-8 + 2 ulp ≈ 7e-7.
    // 4e-6 leaves room for both; a tanh-form GELU (3e-4 off at x = 2) or a wrong sign fails it.
    private const double RelativeTolerance = 4e-6;

    public static TheoryData<string, int, int> Cases() => DeviceCases.Of((1, 1), (3, 5), (37, 33), (3, 65), (1, 37));

    [Theory]
    [KernelPath]
    [MemberData(nameof(Cases))]
    public void GeluForwardMatchesReference(string deviceName, int rows, int cols)
    {
        var device = Device(deviceName);
        var x = TestData.Uniform(rows * cols, rows * 100 + cols, InputScale);
        using var tx = TestData.Tensor(device, x, rows, cols);
        using var ty = TestData.Tensor(device, new float[x.Length], rows, cols);
        ActivationOp.GeluForward(device, tx, ty);
        device.Synchronize();

        var got = ty.ToArray();
        for (var i = 0; i < x.Length; i++)
        {
            var expected = ActivationReference.Gelu(x[i]);
            Assert.True(Math.Abs(got[i] - expected) <= RelativeTolerance * Math.Abs(expected) + 1e-30,
                $"gelu({x[i]}) = {got[i]}, expected {expected}");
        }
    }

    [Theory]
    [KernelPath]
    [MemberData(nameof(Cases))]
    public void GeluBackwardMatchesReference(string deviceName, int rows, int cols)
    {
        var device = Device(deviceName);
        var x = TestData.Uniform(rows * cols, rows * 100 + cols, InputScale);
        var dy = TestData.Uniform(rows * cols, rows * 100 + cols + 7);
        using var tx = TestData.Tensor(device, x, rows, cols);
        using var tdy = TestData.Tensor(device, dy, rows, cols);
        using var tdx = TestData.Tensor(device, new float[x.Length], rows, cols);
        ActivationOp.GeluBackward(device, tx, tdy, tdx);
        device.Synchronize();

        var got = tdx.ToArray();
        for (var i = 0; i < x.Length; i++)
        {
            double xi = x[i];
            var expected = dy[i] * ActivationReference.GeluDerivative(xi);
            // gelu' crosses zero near −0.75: the error is relative to the size of its terms, |dy|·(Φ + |x·φ|).
            var scale = Math.Abs(dy[i]) * (ActivationReference.NormalCdf(xi) + Math.Abs(xi * Math.Exp(-0.5 * xi * xi) / Math.Sqrt(2 * Math.PI)));
            Assert.True(Math.Abs(got[i] - expected) <= RelativeTolerance * scale + 1e-30,
                $"dy·gelu'({x[i]}) = {got[i]}, expected {expected}");
        }
    }

    [Fact]
    [KernelPath]
    public void GeluForwardRejectsShapeMismatch()
    {
        var device = TestAccelerators.Kernels;
        using var x = TestData.Tensor(device, new float[6], 2, 3);
        using var y = TestData.Tensor(device, new float[6], 3, 2);
        Rejects.With(() => ActivationOp.GeluForward(device, x, y), ActivationKernels.GeluForwardName, "[2, 3]", "[3, 2]");
    }

    [Fact]
    public void GeluBackwardRejectsShapeMismatch()
    {
        var device = TestAccelerators.CpuBackend;
        using var x = TestData.Tensor(device, new float[6], 2, 3);
        using var dy = TestData.Tensor(device, new float[6], 2, 3);
        using var dx = TestData.Tensor(device, new float[6], 6);
        Rejects.With(() => ActivationOp.GeluBackward(device, x, dy, dx), ActivationKernels.GeluBackwardName, "[2, 3]", "[6]");
    }

    [Fact]
    public void CpuBackendParallelPathMatchesReference()
    {
        // Above the Parallel.For threshold (65,536) with a tail that is not a multiple of the vector width.
        var x = TestData.Uniform(70_001, 11, InputScale);
        var y = new float[x.Length];
        ActivationCpu.GeluForward(x, y);
        for (var i = 0; i < x.Length; i += 7)
        {
            var expected = ActivationReference.Gelu(x[i]);
            Assert.True(Math.Abs(y[i] - expected) <= RelativeTolerance * Math.Abs(expected) + 1e-30, $"gelu({x[i]}) = {y[i]}");
        }
    }
}
