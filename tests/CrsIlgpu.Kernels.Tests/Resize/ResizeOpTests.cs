using CrsIlgpu.Kernels.Resize;

namespace CrsIlgpu.Kernels.Tests.Resize;

/// <summary>The bilinear resize: reference against PyTorch's numbers, kernel and CPU backend against the reference.</summary>
public class ResizeOpTests : DeviceTests
{
    /// <summary>
    /// torch 1.13: x = arange(6).reshape(1, 1, 2, 3)·1.5 − 2; F.interpolate(x, size, mode="bilinear",
    /// align_corners=False), printed as float32.
    /// </summary>
    private static readonly float[] TorchInput = [-2f, -0.5f, 1f, 2.5f, 4f, 5.5f];

    private static readonly float[] TorchUp5x4 =
    [
        -2.0f, -1.0625f, 0.0625f, 1.0f, -1.5499999523162842f, -0.6124998927116394f, 0.512499988079071f, 1.4500000476837158f,
        0.25f, 1.1875f, 2.3125f, 3.25f, 2.0500001907348633f, 2.987499952316284f, 4.112500190734863f, 5.050000190734863f,
        2.5f, 3.4375f, 4.5625f, 5.5f,
    ];

    private static readonly float[] TorchDown1x2 = [0.625f, 2.875f];

    [Fact]
    public void ReferenceMatchesPyTorch()
    {
        var up = new float[20];
        ResizeReference.Bilinear(TorchInput, up, 1, 2, 3, 5, 4);
        Closeness.AssertClose(TorchUp5x4, up, 1e-6, 0, "2×3 → 5×4");
        var down = new float[2];
        ResizeReference.Bilinear(TorchInput, down, 1, 2, 3, 1, 2);
        Closeness.AssertClose(TorchDown1x2, down, 1e-6, 0, "2×3 → 1×2");
    }

    public static TheoryData<string, int, int, int, int> Cases()
    {
        var data = new TheoryData<string, int, int, int, int>();
        foreach (var device in new[] { "kernels", "cpu" })
        {
            data.Add(device, 5, 7, 13, 11);   // odd upscale, different factors per axis
            data.Add(device, 32, 32, 224, 224); // CIFAR → ViT-B/16
            data.Add(device, 13, 11, 5, 7);   // downscale
            data.Add(device, 6, 6, 6, 6);     // same size: a copy
            data.Add(device, 1, 1, 3, 2);     // one source pixel: constant
        }
        return data;
    }

    [Theory]
    [KernelPath]
    [MemberData(nameof(Cases))]
    public void MatchesTheReference(string deviceName, int inH, int inW, int outH, int outW)
    {
        var device = Device(deviceName);
        int n = 2, c = 3;
        var input = TestData.Uniform(n * c * inH * inW, 7, 2f);
        var expected = new float[n * c * outH * outW];
        ResizeReference.Bilinear(input, expected, n * c, inH, inW, outH, outW);

        using var tin = TestData.Tensor(device, input, n, c, inH, inW);
        using var tout = TestData.Tensor(device, new float[expected.Length], n, c, outH, outW);
        ResizeOp.Bilinear(device, tin, tout);
        device.Synchronize();
        // Same indices and weights; the reference blends in double, the op in float: a few ulps of |values| ≤ 2.
        // (A GPU's FMA in the double coordinate can move a float weight by an ulp: 2.4e-7 at most here.)
        Closeness.AssertClose(expected, tout.ToArray(), 2e-6, 0, $"{inH}×{inW} → {outH}×{outW}");
        if (inH == outH && inW == outW)
            Assert.Equal(input, tout.ToArray());
    }

    [Fact]
    [KernelPath]
    public void MismatchedBatchOrChannelsIsReportedBeforeAnyLaunch()
    {
        var device = TestAccelerators.Kernels;
        using var input = TestData.Tensor(device, new float[2 * 3 * 4 * 4], 2, 3, 4, 4);
        using var output = TestData.Tensor(device, new float[2 * 1 * 8 * 8], 2, 1, 8, 8);
        var error = Assert.Throws<ArgumentException>(() => ResizeOp.Bilinear(device, input, output));
        Assert.Contains(ResizeKernels.Name, error.Message);
    }

    [Fact]
    public void IsCataloguedUnderItsName()
    {
        var entry = KernelCatalog.Get(ResizeKernels.Name);
        Assert.Equal("Kernel_ResizeBilinear", "Kernel_" + entry.Method.Name);
    }
}
