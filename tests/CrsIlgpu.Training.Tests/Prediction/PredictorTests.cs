using CrsIlgpu.Kernels.Resize;
using CrsIlgpu.Training.Prediction;

namespace CrsIlgpu.Training.Tests.Prediction;

/// <summary>
/// `crs predict`'s pipeline: a PNG of a CIFAR image reaches the model exactly as evaluation feeds that
/// image; other sizes and colour types are resized by the resize op; inputs, errors and the top-N.
/// </summary>
public sealed class PredictorTests : TinyCifarTests
{
    private readonly CifarImages _test;
    private readonly Augmentation _normalisation;

    public PredictorTests() : base(trainPerBatch: 4, test: 6)
    {
        _test = TestImages();
        _normalisation = EvalNormalisation();
    }

    /// <summary>CIFAR test image <paramref name="index"/> (CHW) as an RGB PNG.</summary>
    private string WriteCifarPng(string folder, int index)
    {
        var chw = _test.Image(index);
        var hwc = new byte[CifarImages.ImageBytes];
        for (var p = 0; p < CifarImages.PlaneBytes; p++)
            for (var c = 0; c < 3; c++)
                hwc[3 * p + c] = chw[c * CifarImages.PlaneBytes + p];
        var path = Path.Combine(folder, $"test-{index}.png");
        PngWriter.Write(path, 32, 32, 3, hwc);
        return path;
    }

    public static TheoryData<string, int> DevicesAndSizes => new() { { "cpu", 32 }, { "cpu", 48 }, { "kernels", 32 }, { "kernels", 40 } };

    /// <summary>Image size 32: no resize; 40 and 48: CIFAR upsampled on the device in both pipelines.</summary>
    [Theory]
    [KernelPath]
    [MemberData(nameof(DevicesAndSizes))]
    public void APngOfACifarImageGetsTheProbabilitiesOfEvaluationsLogits(string deviceName, int imageSize)
    {
        var config = TinyConfig() with { ImageSize = imageSize };
        using var device = TestDevices.Create(deviceName);
        using var model = new VisionTransformer(device, config);
        model.Parameters.Initialize(seed: 11);
        var folder = Temp.CreateDirectory("pngs");
        var files = Enumerable.Range(0, _test.Count).Select(i => WriteCifarPng(folder, i)).ToList();

        var cancel = TestContext.Current.CancellationToken;
        var expected = new List<float>();
        foreach (var b in new BatchLoader(_test, 4, _normalisation, seed: 0, shuffle: false).Epoch(0, cancel).ToBlockingEnumerable(cancel))
        {
            using var onDevice = new DeviceBatch(device, b, config.ImageSize);
            using var logits = model.Infer(onDevice.Images);
            expected.AddRange(logits.ToArray());
        }
        var baseline = device.Pool.Allocated;

        var result = Predictor.Run(device, model, files, _normalisation, _test.ClassNames, top: 10, batchSize: 4);

        Assert.Equal(files, result.Images.Select(i => i.File));
        for (var i = 0; i < files.Count; i++)
        {
            var want = Predictor.Softmax(expected.ToArray().AsSpan(i * 10, 10));
            var got = result.Images[i].Top;
            Assert.Equal(10, got.Count);
            foreach (var t in got)
                Assert.Equal(want[t.Class], t.Probability); // exact: the same float logits
            Assert.Equal((32, 32), (result.Images[i].Width, result.Images[i].Height));
        }
        Assert.Equal(imageSize, result.ImageSize);
        Assert.InRange(result.PeakBytes, baseline + 1, long.MaxValue);
        Assert.Equal(baseline, device.Pool.Allocated);
    }

    [Fact]
    public void ImagesOfAnySizeAndColourTypeAreNormalisedThenResizedLikeTheReference()
    {
        var folder = Temp.CreateDirectory("mixed");
        var random = new Random(3);
        byte[] Pixels(int count) => Enumerable.Range(0, count).Select(_ => (byte)random.Next(256)).ToArray();
        var gray = Pixels(17 * 23);
        var rgba = Pixels(50 * 20 * 4);
        PngWriter.Write(Path.Combine(folder, "gray.png"), 17, 23, 1, gray);
        PngWriter.Write(Path.Combine(folder, "rgba.png"), 50, 20, 4, rgba);

        var grayImage = ImageFile.TryRead(Path.Combine(folder, "gray.png"), out var error) ?? throw new Xunit.Sdk.XunitException(error);
        var rgbaImage = ImageFile.TryRead(Path.Combine(folder, "rgba.png"), out error) ?? throw new Xunit.Sdk.XunitException(error);
        Assert.Equal((17, 23), (grayImage.Width, grayImage.Height));
        Assert.Equal(gray.SelectMany(v => new[] { v, v, v }), grayImage.Rgb.Take(3 * 17 * 23)); // gray → R = G = B
        Assert.Equal(Enumerable.Range(0, 50 * 20).SelectMany(p => new[] { rgba[4 * p], rgba[4 * p + 1], rgba[4 * p + 2] }),
            rgbaImage.Rgb.Take(3 * 50 * 20)); // alpha dropped

        const int size = 24;
        using var device = TestDevices.Create("cpu");
        using var batch = PredictionBatch.Upload(device, [grayImage, rgbaImage], _normalisation, size);
        var actual = batch.ToArray();
        var expected = new float[actual.Length];
        var at = 0;
        foreach (var image in new[] { grayImage, rgbaImage })
        {
            var planes = new float[3 * image.Width * image.Height];
            for (var c = 0; c < 3; c++)
                for (var p = 0; p < image.Width * image.Height; p++)
                    planes[c * image.Width * image.Height + p] = (float)((image.Rgb[3 * p + c] / 255.0 - _normalisation.Mean[c]) / _normalisation.Std[c]);
            ResizeReference.Bilinear(planes, expected.AsSpan(at, 3 * size * size), 3, image.Height, image.Width, size, size);
            at += 3 * size * size;
        }
        for (var i = 0; i < actual.Length; i++)
            Assert.True(Math.Abs(actual[i] - expected[i]) <= 1e-5f * Math.Max(1f, Math.Abs(expected[i])), $"element {i}: {actual[i]} vs {expected[i]}");
    }

    [Fact]
    public void AFolderGivesItsImagesByNameAndNothingElse()
    {
        var folder = Temp.CreateDirectory("inputs");
        foreach (var name in new[] { "b.png", "a.JPG", "c.jpeg", "notes.txt", "B.png" })
            File.WriteAllText(Path.Combine(folder, name), "x");
        Directory.CreateDirectory(Path.Combine(folder, "sub.png"));
        File.WriteAllText(Path.Combine(folder, "sub.png", "d.png"), "x");

        Assert.Equal(["B.png", "a.JPG", "b.png", "c.jpeg"], PredictionInputs.Resolve(folder).Select(Path.GetFileName));
        Assert.Equal([Path.Combine(folder, "notes.txt")], PredictionInputs.Resolve(Path.Combine(folder, "notes.txt"))); // a file is taken as given

        var error = Assert.Throws<CrsException>(() => PredictionInputs.Resolve(Path.Combine(folder, "nowhere")));
        Assert.Contains("no such image file or folder", error.Message);
        error = Assert.Throws<CrsException>(() => PredictionInputs.Resolve(Temp.CreateDirectory("empty")));
        Assert.Contains("holds no *.jpg, *.jpeg, *.png files", error.Message);
    }

    [Fact]
    public void OneUnreadableFileIsNamedBeforeAnythingRuns()
    {
        var folder = Temp.CreateDirectory("bad");
        WriteCifarPng(folder, 0);
        File.WriteAllBytes(Path.Combine(folder, "z-truncated.png"), File.ReadAllBytes(Path.Combine(folder, "test-0.png"))[..40]);
        File.WriteAllText(Path.Combine(folder, "y-text.jpg"), "not an image");

        var error = Assert.Throws<CrsException>(() => PredictionInputs.CheckReadable(PredictionInputs.Resolve(folder)));

        Assert.StartsWith(Path.Combine(folder, "y-text.jpg") + ": not a complete JPEG or PNG file", error.Message);
        Assert.Contains("(1 more unreadable file(s))", error.Message);
        Assert.EndsWith("nothing was predicted", error.Message);
        Assert.Equal(2, error.ExitCode);
    }

    [Fact]
    public void TopIsTheMostProbableClassesFirstTiesInClassOrderAtMostAll()
    {
        string[] names = ["a", "b", "c", "d"];
        var top = Predictor.Top([1f, 3f, 3f, -2f], names, 3);
        Assert.Equal(["b", "c", "a"], top.Select(t => t.Name));
        Assert.Equal(top[0].Probability, top[1].Probability);
        Assert.Equal(4, Predictor.Top([1f, 3f, 3f, -2f], names, 9).Count);
        Assert.Equal(1.0, Predictor.Softmax([1f, 3f, 3f, -2f]).Sum(), 12);
        Assert.Equal(Math.Exp(1) / (Math.Exp(1) + 2 * Math.Exp(3) + Math.Exp(-2)), Predictor.Softmax([1f, 3f, 3f, -2f])[0], 15);
        Assert.Throws<CrsException>(() => Predictor.CheckOptions(top: 0, batchSize: 8));
        Assert.Throws<CrsException>(() => Predictor.CheckOptions(top: 5, batchSize: 0));
    }
}
