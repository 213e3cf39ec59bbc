using CrsIlgpu.Kernels.Loss;
using CrsIlgpu.Kernels.Tests.Reduction;
using ILGPU.Runtime;

namespace CrsIlgpu.Kernels.Tests.Loss;

public class LossOpTests : DeviceTests
{
    /// <summary>Both devices; rows 1, 3, 37; classes 1 (loss 0), fewer than a warp, just over a warp, 65, 192; with and without smoothing.</summary>
    public static TheoryData<string, int, int, float> DevicesShapesSmoothing
    {
        get
        {
            var data = new TheoryData<string, int, int, float>();
            foreach (var device in new[] { "kernels", "cpu" })
                foreach (var (rows, classes, smoothing) in new[] { (1, 1, 0.1f), (3, 5, 0f), (3, 10, 0.1f), (37, 33, 0.1f), (3, 65, 0f), (37, 192, 0.1f) })
                    data.Add(device, rows, classes, smoothing);
            return data;
        }
    }

    // Tolerances against the double reference. Losses are O(1–10): an fp32 log-sum-exp over ≤ 300
    // classes plus a row sum of z is good to ~1e-6 relative, so 1e-5 absolute. dlogits are
    // (p − t)/rows with p ≤ 1 good to ~2e-7 absolute (fp32 exp and sum, ex2.approx on the GPU)
    // before the 1/rows: 2e-7 absolute. The mean of ≤ 37 such losses: 1e-5.
    private const double LossTolerance = 1e-5;
    private const double GradTolerance = 2e-7;

    private static int[] Labels(int rows, int classes, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, rows).Select(_ => random.Next(classes)).ToArray();
    }

    private static IntTensor IntTensor(DeviceContext device, int[] labels)
    {
        var t = new IntTensor(device.Pool, labels.Length);
        t.CopyFrom(labels);
        return t;
    }

    [Theory]
    [KernelPath]
    [MemberData(nameof(DevicesShapesSmoothing))]
    public void LossesGradientAndMeanMatchReference(string deviceName, int rows, int classes, float smoothing)
    {
        var device = Device(deviceName);
        var logits = TestData.Uniform(rows * classes, classes, 5f);
        var labels = Labels(rows, classes, classes + 1);
        AssertMatchesReference(device, logits, labels, rows, classes, smoothing, (tl, ty, tloss, td, tmean) =>
        {
            LossOp.ForwardBackward(device, tl, ty, tloss, td, smoothing);
            LossOp.Mean(device, tloss, tmean);
        });
    }

    /// <summary>
    /// The device's per-row losses, logits gradient and mean loss against the reference's;
    /// <paramref name="launch"/> queues forward-backward and the mean on (logits, labels, losses, dlogits, mean).
    /// </summary>
    private static void AssertMatchesReference(DeviceContext device, float[] logits, int[] labels, int rows, int classes, float smoothing,
        Action<Tensor, IntTensor, Tensor, Tensor, Tensor> launch)
    {
        var losses = new float[rows];
        var dlogits = new float[logits.Length];
        LossReference.ForwardBackward(logits, labels, losses, dlogits, classes, smoothing, 1f / rows);

        using var tl = TestData.Tensor(device, logits, rows, classes);
        using var ty = IntTensor(device, labels);
        using var tloss = TestData.Tensor(device, new float[rows], rows);
        using var td = TestData.Tensor(device, new float[logits.Length], rows, classes);
        using var tmean = TestData.Tensor(device, new float[1], 1);
        launch(tl, ty, tloss, td, tmean);
        device.Synchronize();
        Closeness.AssertClose(losses, tloss.ToArray(), LossTolerance);
        Closeness.AssertClose(dlogits, td.ToArray(), GradTolerance);
        Assert.Equal(LossReference.Mean(losses), tmean.ToArray()[0], LossTolerance);
    }

    [Fact]
    public void ReferenceEqualsPyTorchsSmoothedFormula()
    {
        // PyTorch: (1 − ε)·nll + ε·mean_j(−log p_j), written out independently of the reference.
        const int rows = 4, classes = 7;
        const float eps = 0.2f;
        var logits = TestData.Uniform(rows * classes, 3, 3f);
        var labels = Labels(rows, classes, 4);
        var losses = new float[rows];
        LossReference.ForwardBackward(logits, labels, losses, new float[logits.Length], classes, eps, 1f / rows);
        for (var r = 0; r < rows; r++)
        {
            var x = logits.AsSpan(r * classes, classes).ToArray().Select(v => (double)v).ToArray();
            var lse = Math.Log(x.Sum(Math.Exp));
            var nll = lse - x[labels[r]];
            var uniform = x.Average(v => lse - v);
            Assert.Equal((1 - eps) * nll + eps * uniform, losses[r], 1e-5); // the reference rounds its double loss to fp32
        }
    }

    [Theory]
    [KernelPath]
    [MemberData(nameof(Devices))]
    public void UniformLogitsGiveLogClassesAndKnownGradient(string deviceName)
    {
        var device = Device(deviceName);
        const int rows = 2, classes = 5;
        const float eps = 0.1f;
        using var tl = TestData.Tensor(device, Enumerable.Repeat(0.25f, rows * classes).ToArray(), rows, classes);
        using var ty = IntTensor(device, [3, 0]);
        using var tloss = TestData.Tensor(device, new float[rows], rows);
        using var td = TestData.Tensor(device, new float[rows * classes], rows, classes);
        LossOp.ForwardBackward(device, tl, ty, tloss, td, eps);
        device.Synchronize();
        Assert.All(tloss.ToArray(), l => Assert.Equal(Math.Log(classes), l, 1e-6)); // log 5 ≈ 1.6 to fp32 precision
        var d = td.ToArray();
        for (var r = 0; r < rows; r++)
        {
            for (var j = 0; j < classes; j++)
            {
                var target = eps / classes + (j == (r == 0 ? 3 : 0) ? 1 - eps : 0);
                Assert.Equal((1.0 / classes - target) / rows, d[r * classes + j], 1e-7); // values ≈ 0.1 to fp32 precision
            }
        }
    }

    [Theory]
    [KernelPath]
    [MemberData(nameof(Devices))]
    public void HugeLogitsStayFiniteAndGradientMayOverwriteLogits(string deviceName)
    {
        var device = Device(deviceName);
        const int rows = 3, classes = 40;
        var logits = TestData.Uniform(rows * classes, 8, 2f).Select((v, i) => v + (i < classes ? 1000f : i < 2 * classes ? -1000f : 0f)).ToArray();
        var labels = new[] { 5, 39, 0 };
        var losses = new float[rows];
        var dlogits = new float[logits.Length];
        LossReference.ForwardBackward(logits, labels, losses, dlogits, classes, 0.05f, 1f / rows);

        using var t = TestData.Tensor(device, logits, rows, classes);
        using var ty = IntTensor(device, labels);
        using var tloss = TestData.Tensor(device, new float[rows], rows);
        LossOp.ForwardBackward(device, t, ty, tloss, t, 0.05f);
        device.Synchronize();
        Assert.All(tloss.ToArray(), l => Assert.True(float.IsFinite(l)));
        // |x| ≈ 1000 carries fp32 rounding of 6e-5 into z = x − max, hence 1e-4 on the loss.
        Closeness.AssertClose(losses, tloss.ToArray(), 1e-4);
        Closeness.AssertClose(dlogits, t.ToArray(), GradTolerance * 100); // same 6e-5 relative on p, over 3 rows
    }

    [Theory]
    [KernelPath]
    [MemberData(nameof(Devices))]
    public void OutOfRangeHostLabelsAreRejectedBeforeLaunch(string deviceName)
    {
        var device = Device(deviceName);
        const int rows = 3, classes = 4;
        using var tl = TestData.Tensor(device, new float[rows * classes], rows, classes);
        using var tloss = TestData.Tensor(device, [9f, 9f, 9f], rows);
        using var td = TestData.Tensor(device, new float[rows * classes], rows, classes);
        foreach (var (labels, bad, row) in new[] { (new[] { 0, 4, 1 }, 4, 1), (new[] { 0, 1, -1 }, -1, 2) })
        {
            using var ty = IntTensor(device, labels);
            Rejects.With(() => LossOp.ForwardBackward(device, tl, ty, tloss, td), LossKernels.ForwardBackwardName, $"label {bad} at row {row}", "[0, 4)");
        }
        device.Synchronize();
        Assert.Equal([9f, 9f, 9f], tloss.ToArray()); // nothing ran
    }

    [Theory]
    [KernelPath]
    [MemberData(nameof(Devices))]
    public void OutOfRangeDeviceLabelsAreGuardedInTheKernel(string deviceName)
    {
        var device = Device(deviceName);
        const int rows = 5, classes = 6;
        var logits = TestData.Uniform(rows * classes, 9, 2f);
        int[] labels = [2, -1, 6, int.MaxValue, int.MinValue];
        using var tl = TestData.Tensor(device, logits, rows, classes);
        using var ty = IntTensor(device, [2, 0, 0, 0, 0]);
        ty.View.CopyFromCPU(labels); // written behind the host check, as a device-side producer would
        using var tloss = TestData.Tensor(device, new float[rows], rows);
        using var td = TestData.Tensor(device, Enumerable.Repeat(5f, rows * classes).ToArray(), rows, classes);
        using var tmean = TestData.Tensor(device, new float[1], 1);
        LossOp.ForwardBackward(device, tl, ty, tloss, td);
        LossOp.Mean(device, tloss, tmean);
        device.Synchronize();

        var expectedLoss = new float[rows];
        var expectedGrad = new float[logits.Length];
        LossReference.ForwardBackward(logits, labels, expectedLoss, expectedGrad, classes, 0f, 1f / rows);
        var loss = tloss.ToArray();
        Assert.Equal(expectedLoss[0], loss[0], LossTolerance);
        Assert.All(loss[1..], l => Assert.True(float.IsNaN(l)));
        Assert.True(float.IsNaN(tmean.ToArray()[0]));
        var grad = td.ToArray();
        Closeness.AssertClose(expectedGrad.AsSpan(0, classes), grad.AsSpan(0, classes), GradTolerance);
        Assert.All(grad[classes..], g => Assert.Equal(0f, g));
    }

    [Theory]
    [KernelPath]
    [MemberData(nameof(GroupSizeCases.GroupSizesAndRowLengths), MemberType = typeof(GroupSizeCases))]
    public void KernelsAreRightForAnyGroupSize(int groupSize, int classes)
    {
        var device = TestAccelerators.Kernels;
        const int rows = 3;
        const float smoothing = 0.1f;
        var logits = TestData.Uniform(rows * classes, groupSize + classes, 4f);
        var labels = Labels(rows, classes, groupSize);
        AssertMatchesReference(device, logits, labels, rows, classes, smoothing, (tl, ty, tloss, td, tmean) =>
        {
            LossKernels.LaunchForwardBackward(device, tl.View, ty.View, tloss.View, td.View, rows, classes, smoothing, 1f / rows, groupSize);
            LossKernels.LaunchMean(device, tloss.View, tmean.View, rows, groupSize);
        });
    }

    [Theory]
    [KernelPath]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(33)]
    [InlineData(256)]
    public void MeanKernelIsRightForAnyGroupSize(int groupSize)
    {
        var device = TestAccelerators.Kernels;
        var losses = TestData.Uniform(1000, groupSize).Select(v => v + 2f).ToArray();
        using var tloss = TestData.Tensor(device, losses, losses.Length);
        using var tmean = TestData.Tensor(device, new float[1], 1);
        LossKernels.LaunchMean(device, tloss.View, tmean.View, losses.Length, groupSize);
        device.Synchronize();
        Assert.Equal(LossReference.Mean(losses), tmean.ToArray()[0], LossTolerance);
    }

    [Fact]
    public void ReferenceGradientIsTheGradientOfTheMeanLoss()
    {
        const int rows = 3, classes = 6;
        const float eps = 0.1f, h = 1e-2f;
        var logits = TestData.Uniform(rows * classes, 10, 2f);
        var labels = Labels(rows, classes, 11);
        var dlogits = new float[logits.Length];
        LossReference.ForwardBackward(logits, labels, new float[rows], dlogits, classes, eps, 1f / rows);
        for (var i = 0; i < logits.Length; i++)
        {
            double MeanLoss(float step)
            {
                var x = (float[])logits.Clone();
                x[i] += step;
                var losses = new float[rows];
                LossReference.ForwardBackward(x, labels, losses, new float[x.Length], classes, eps, 1f / rows);
                return losses.Average(l => (double)l);
            }
            Assert.Equal((MeanLoss(h) - MeanLoss(-h)) / (2 * h), dlogits[i], 2e-4); // O(h²) truncation plus fp32 loss rounding / 2h
        }
    }

    [Fact]
    [KernelPath]
    public void BadSmoothingAndShapesNameTheOp()
    {
        var device = TestAccelerators.Kernels;
        using var tl = TestData.Tensor(device, new float[12], 3, 4);
        using var ty = IntTensor(device, [0, 1, 2]);
        using var tloss = TestData.Tensor(device, new float[3], 3);
        using var wrongLoss = TestData.Tensor(device, new float[4], 4);
        using var td = TestData.Tensor(device, new float[12], 3, 4);
        var ex = Assert.Throws<ArgumentException>(() => LossOp.ForwardBackward(device, tl, ty, tloss, td, 1.5f));
        Assert.Contains("label smoothing", ex.Message);
        ex = Assert.Throws<ArgumentException>(() => LossOp.ForwardBackward(device, tl, ty, wrongLoss, td));
        Assert.Contains(LossKernels.ForwardBackwardName, ex.Message);
        Assert.Contains("[4]", ex.Message);
        using var wrongLabels = IntTensor(device, [0, 1]);
        ex = Assert.Throws<ArgumentException>(() => LossOp.ForwardBackward(device, tl, wrongLabels, tloss, td));
        Assert.Contains("2 values for 3 rows", ex.Message);
    }
}
