using CrsIlgpu.Tests.Shared;

namespace CrsIlgpu.Cli.Tests;

/// <summary>`crs predict` as a user runs it: a tiny run's checkpoint on PNGs and JPEGs of other sizes and colour types, and every user error.</summary>
[Collection("console")]
public sealed class PredictCommandTests : TinyCifarCommandTests
{
    private readonly string _run;
    private readonly string _images;

    public PredictCommandTests()
        : base("crs-predict-", trainPerBatch: 8, test: 8)
    {
        _run = Path.Combine(Root, "run");
        var (code, output, error) = CliRunner.Run("train", "--device", "cpu", "--data", DataDir, "--packs", Root, "--model", ModelFile,
            "--batch", "8", "--epochs", "1", "--out", _run);
        Assert.True(code == 0, error + output);

        _images = Directory.CreateDirectory(Path.Combine(Root, "images")).FullName;
        var random = new Random(5);
        byte[] Pixels(int count) => Enumerable.Range(0, count).Select(_ => (byte)random.Next(256)).ToArray();
        PngWriter.Write(Path.Combine(_images, "a-rgb-32.png"), 32, 32, 3, Pixels(32 * 32 * 3));
        PngWriter.Write(Path.Combine(_images, "b-gray-7x9.png"), 7, 9, 1, Pixels(7 * 9));
        PngWriter.Write(Path.Combine(_images, "c-rgba-120x80.PNG"), 120, 80, 4, Pixels(120 * 80 * 4));
        foreach (var jpeg in new[] { "gradient-45x37.jpg", "gray-45x37.jpg" })
            File.Copy(Path.Combine(AppContext.BaseDirectory, "Fixtures", jpeg), Path.Combine(_images, "d-" + jpeg));
        File.WriteAllText(Path.Combine(_images, "readme.txt"), "not an image, and not read");
    }

    private string[] Predict(params string[] extra) => ["predict", "--device", "cpu", "--checkpoint", _run, "--data", DataDir, "--packs", Root, .. extra];

    [Fact]
    public void AFolderGetsTopClassesPerImageAndTheJsonHoldsThemAll()
    {
        var json = Path.Combine(Root, "predictions.json");
        var (code, output, error) = CliRunner.Run(Predict(_images, "--top", "3", "--batch", "2", "--json", json));
        Assert.True(code == 0, error + output);

        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(6, lines.Length); // five images, one summary
        Assert.StartsWith(Path.Combine(_images, "a-rgb-32.png") + " (32×32): ", lines[0]);
        Assert.StartsWith(Path.Combine(_images, "b-gray-7x9.png") + " (7×9): ", lines[1]);
        Assert.StartsWith(Path.Combine(_images, "c-rgba-120x80.PNG") + " (120×80): ", lines[2]);
        Assert.StartsWith(Path.Combine(_images, "d-gradient-45x37.jpg") + " (45×37): ", lines[3]);
        Assert.StartsWith(Path.Combine(_images, "d-gray-45x37.jpg") + " (45×37): ", lines[4]);
        Assert.Equal(3, lines[0].Split(", ").Length);
        Assert.Contains("5 image(s) resized to 32×32", lines[5]);
        Assert.Contains("cifar10 normalisation and classes", lines[5]);
        Assert.Contains("peak pool memory", lines[5]);

        using var doc = JsonDocument.Parse(File.ReadAllText(json));
        var root = doc.RootElement;
        Assert.Equal("cifar10", root.GetProperty("dataset").GetString());
        Assert.Equal(32, root.GetProperty("image_size").GetInt32());
        Assert.True(root.GetProperty("peak_bytes").GetInt64() > 0);
        var images = root.GetProperty("images").EnumerateArray().ToList();
        Assert.Equal(5, images.Count);
        string[] classes = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"];
        foreach (var image in images)
        {
            var top = image.GetProperty("top").EnumerateArray().ToList();
            Assert.Equal(3, top.Count);
            var probabilities = top.Select(t => t.GetProperty("probability").GetDouble()).ToList();
            Assert.Equal(probabilities.OrderDescending(), probabilities);
            Assert.All(probabilities, p => Assert.InRange(p, 0.0, 1.0));
            Assert.All(top, t => Assert.Equal(classes[t.GetProperty("index").GetInt32()], t.GetProperty("class").GetString()));
        }
        Assert.Equal(120, images[2].GetProperty("width").GetInt32());
        Assert.Equal(80, images[2].GetProperty("height").GetInt32());
    }

    [Fact]
    public void OneFileGetsEveryClassWhenTopAsksForMore()
    {
        var file = Path.Combine(_images, "d-gradient-45x37.jpg");
        var json = Path.Combine(Root, "one.json");
        var (code, output, error) = CliRunner.Run(Predict(file, "--top", "50", "--json", json));
        Assert.True(code == 0, error + output);
        Assert.StartsWith(file + " (45×37): ", output);
        using var doc = JsonDocument.Parse(File.ReadAllText(json));
        var top = doc.RootElement.GetProperty("images")[0].GetProperty("top").EnumerateArray().ToList();
        Assert.Equal(10, top.Count);
        Assert.Equal(1.0, top.Sum(t => t.GetProperty("probability").GetDouble()), 9);
    }

    [Fact]
    public void AnUnreadableImageInAFolderStopsTheCommandNamingItAndWritesNothing()
    {
        var bad = Path.Combine(_images, "b2-truncated.png");
        File.WriteAllBytes(bad, File.ReadAllBytes(Path.Combine(_images, "a-rgb-32.png"))[..100]);
        var json = Path.Combine(Root, "never.json");

        var (code, output, error) = CliRunner.Run(Predict(_images, "--json", json));

        CliAssert.OneErrorLine(code, error);
        Assert.Equal("", output);
        Assert.StartsWith($"error: {bad}: not a complete JPEG or PNG file", error);
        Assert.False(File.Exists(json));
        Assert.Empty(Directory.GetFiles(Root, "never.json*"));
    }

    [Theory]
    [InlineData("missing-image", "no such image file or folder")]
    [InlineData("empty-folder", "holds no *.jpg, *.jpeg, *.png files")]
    [InlineData("top-zero", "--top must be at least 1")]
    [InlineData("batch-zero", "--batch must be positive")]
    [InlineData("no-checkpoint", "--checkpoint: folder")]
    [InlineData("text-as-image", "not a complete JPEG or PNG file")]
    [InlineData("json-is-a-folder", "--json:")]
    public void UserErrorsAreOneLineAndExitCodeTwo(string what, string expected)
    {
        var empty = Directory.CreateDirectory(Path.Combine(Root, "empty")).FullName;
        string[] args = what switch
        {
            "missing-image" => Predict(Path.Combine(Root, "nowhere.png")),
            "empty-folder" => Predict(empty),
            "top-zero" => Predict(_images, "--top", "0"),
            "batch-zero" => Predict(_images, "--batch", "0"),
            "no-checkpoint" => ["predict", "--device", "cpu", "--checkpoint", Path.Combine(Root, "no-run"), "--data", DataDir, _images],
            "text-as-image" => Predict(Path.Combine(_images, "readme.txt")),
            "json-is-a-folder" => Predict(_images, "--json", empty),
            _ => throw new ArgumentException(what),
        };

        var (code, output, error) = CliRunner.Run(args);

        CliAssert.OneErrorLine(code, error, expected);
        Assert.Equal("", output);
    }

    [Fact]
    public void ATopThatIsNotANumberIsAParseError()
    {
        var (code, _, error) = CliRunner.Run(Predict(_images, "--top", "many"));
        Assert.Equal(2, code);
        Assert.StartsWith("error: ", error);
        Assert.Contains("--top", error);
    }

    [Fact]
    public void TheHelpSaysFoldersAreNotSearchedRecursively()
    {
        var (code, output, _) = CliRunner.Run("predict", "--help");
        Assert.Equal(0, code);
        Assert.Contains("not sub-folders", output);
        Assert.Contains("--top", output);
    }
}
