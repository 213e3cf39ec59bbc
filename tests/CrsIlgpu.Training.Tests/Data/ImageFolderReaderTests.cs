namespace CrsIlgpu.Training.Tests.Data;

public class ImageFolderReaderTests
{
    private static readonly string[] Cifar10Classes =
        ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"];

    /// <summary>cifar-10-jpg/&lt;split&gt;/&lt;class&gt;/ with one PNG per class (image index = label).</summary>
    private static string MakeCifar10Pack(TempFolder temp, string split = "train")
    {
        string splitDir = temp.CreateDirectory("cifar-10-jpg", split);
        for (int label = 0; label < Cifar10Classes.Length; label++)
        {
            string classDir = temp.CreateDirectory("cifar-10-jpg", split, Cifar10Classes[label]);
            TestImages.WritePng(Path.Combine(classDir, "0000.png"), label);
        }
        return splitDir;
    }

    [Fact]
    public void Cifar10ImageFoldersDecodeToChwPlanesWithFixedClassOrder()
    {
        using var temp = new TempFolder();
        MakeCifar10Pack(temp, "test");
        // A second image in one class, to check per-class file order and labels.
        TestImages.WritePng(temp.Combine("cifar-10-jpg", "test", "cat", "0001.png"), 20);

        CifarImages images = CifarDatasets.Load("cifar10", "test", temp.Path);

        Assert.Equal(11, images.Count);
        Assert.Equal(Cifar10Classes, images.ClassNames);
        Assert.Equal([0, 1, 2, 3, 3, 4, 5, 6, 7, 8, 9], images.Labels);
        Assert.True(images.Image(0).SequenceEqual(TestImages.Chw(0)), "airplane pixels differ");
        Assert.True(images.Image(4).SequenceEqual(TestImages.Chw(20)), "second cat pixels differ");
        Assert.True(images.Image(10).SequenceEqual(TestImages.Chw(9)), "truck pixels differ");
    }

    [Fact]
    public void GenericFoldersUseSortedClassNames()
    {
        using var temp = new TempFolder();
        foreach (var (name, image) in new[] { ("zebra", 1), ("apple", 2), ("Mango", 3) })
            TestImages.WritePng(Path.Combine(temp.CreateDirectory("split", name), "a.PNG"), image);

        CifarImages images = ImageFolderReader.Read(temp.Combine("split"));

        Assert.Equal(["Mango", "apple", "zebra"], images.ClassNames);  // ordinal order
        Assert.Equal([0, 1, 2], images.Labels);
        Assert.True(images.Image(2).SequenceEqual(TestImages.Chw(1)));
    }

    [Fact]
    public void CorruptImageIsNamed()
    {
        using var temp = new TempFolder();
        MakeCifar10Pack(temp);
        string bad = temp.Combine("cifar-10-jpg", "train", "dog", "0001.jpg");
        File.WriteAllBytes(bad, [0xFF, 0xD8, 0xFF, 0xE0, 1, 2, 3, 4, 5]);

        var error = Assert.Throws<CrsException>(() => CifarDatasets.Load("cifar10", "train", temp.Path));

        Assert.Contains(bad, error.Message);
        Assert.Contains("not a complete JPEG or PNG", error.Message);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Fact]
    public void WellFramedButUndecodableImageIsNamed()
    {
        using var temp = new TempFolder();
        MakeCifar10Pack(temp);
        // PNG signature and IEND, but a chunk stream stb_image cannot decode.
        string bad = temp.Combine("cifar-10-jpg", "train", "horse", "0001.png");
        File.WriteAllBytes(bad, [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 0, .. "IEND"u8, 0xAE, 0x42, 0x60, 0x82]);

        var error = Assert.Throws<CrsException>(() => CifarDatasets.Load("cifar10", "train", temp.Path));

        Assert.Contains(bad, error.Message);
        Assert.Contains("cannot decode", error.Message);
    }

    [Fact]
    public void ImageOfTheWrongSizeIsNamedWithItsSize()
    {
        using var temp = new TempFolder();
        MakeCifar10Pack(temp);
        string bad = temp.Combine("cifar-10-jpg", "train", "ship", "0000.png");
        TestImages.WritePng(bad, 0, width: 16, height: 24);

        var error = Assert.Throws<CrsException>(() => CifarDatasets.Load("cifar10", "train", temp.Path));

        Assert.Contains(bad, error.Message);
        Assert.Contains("16×24, expected 32×32", error.Message);
    }

    [Fact]
    public void EmptyClassFolderIsNamed()
    {
        using var temp = new TempFolder();
        MakeCifar10Pack(temp);
        string frog = temp.Combine("cifar-10-jpg", "train", "frog");
        File.Delete(Path.Combine(frog, "0000.png"));
        File.WriteAllText(Path.Combine(frog, "notes.txt"), "not an image");

        var error = Assert.Throws<CrsException>(() => CifarDatasets.Load("cifar10", "train", temp.Path));

        Assert.Contains(frog, error.Message);
        Assert.Contains("no .jpg or .png images", error.Message);
    }

    [Fact]
    public void SplitWithoutClassFoldersIsRejected()
    {
        using var temp = new TempFolder();
        string split = temp.CreateDirectory("cifar-10-jpg", "train");

        var error = Assert.Throws<CrsException>(() => CifarDatasets.Load("cifar10", "train", temp.Path));

        Assert.Contains(split, error.Message);
        Assert.Contains("no class folders", error.Message);
    }

    [Fact]
    public void Cifar10PackWithOtherClassFoldersIsRejected()
    {
        using var temp = new TempFolder();
        MakeCifar10Pack(temp);
        Directory.Move(temp.Combine("cifar-10-jpg", "train", "truck"), temp.Combine("cifar-10-jpg", "train", "lorry"));

        var error = Assert.Throws<CrsException>(() => CifarDatasets.Load("cifar10", "train", temp.Path));

        Assert.Contains("lorry", error.Message);
        Assert.Contains("expected exactly [airplane, automobile", error.Message);
    }
}
