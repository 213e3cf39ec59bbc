namespace CrsIlgpu.Training.Tests.Data;

public class CifarBinaryReaderTests
{
    [Fact]
    public void Cifar10TrainConcatenatesTheFiveBatchesInOrder()
    {
        using var temp = new TempFolder();
        string dir = temp.CreateDirectory("cifar-10-batches-bin");
        for (int batch = 1; batch <= 5; batch++)
            File.WriteAllBytes(Path.Combine(dir, $"data_batch_{batch}.bin"), TestImages.Cifar10Records(2 * (batch - 1), batch, 9 - batch));
        File.WriteAllBytes(Path.Combine(dir, "test_batch.bin"), TestImages.Cifar10Records(100, 0, 1, 2));

        CifarImages train = CifarDatasets.Load("cifar10", "train", temp.Path);

        Assert.Equal(10, train.Count);
        Assert.Equal(10, train.Classes);
        Assert.Equal(["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"], train.ClassNames);
        Assert.Equal([1, 8, 2, 7, 3, 6, 4, 5, 5, 4], train.Labels);
        Assert.Equal(10 * CifarImages.ImageBytes, train.Pixels.Length);
        for (int image = 0; image < 10; image++)
            Assert.True(train.Image(image).SequenceEqual(TestImages.Chw(image)), $"image {image} pixels differ");

        CifarImages test = CifarDatasets.Load("cifar10", "test", temp.Path);
        Assert.Equal([0, 1, 2], test.Labels);
        Assert.True(test.Image(2).SequenceEqual(TestImages.Chw(102)));
    }

    [Fact]
    public void Cifar100ReadsFineOrCoarseLabelsAndNamesFiles()
    {
        using var temp = new TempFolder();
        string dir = temp.CreateDirectory("cifar-100-binary");
        File.WriteAllBytes(Path.Combine(dir, "test.bin"), TestImages.Cifar100Records((3, 99), (19, 0), (0, 42)));
        File.WriteAllLines(Path.Combine(dir, "fine_label_names.txt"), Enumerable.Range(0, 100).Select(i => $"fine{i}"));

        CifarImages fine = CifarDatasets.Load("cifar100", "test", temp.Path);
        Assert.Equal(100, fine.Classes);
        Assert.Equal([99, 0, 42], fine.Labels);
        Assert.Equal("fine42", fine.ClassNames[42]);
        Assert.True(fine.Image(1).SequenceEqual(TestImages.Chw(1)));

        // No coarse_label_names.txt: placeholder names, still 20 classes.
        CifarImages coarse = CifarDatasets.Load("cifar100-coarse", "test", temp.Path);
        Assert.Equal(20, coarse.Classes);
        Assert.Equal([3, 19, 0], coarse.Labels);
        Assert.Equal("class_19", coarse.ClassNames[19]);
    }

    [Fact]
    public void FileSizeNotAMultipleOfTheRecordSizeNamesFileSizeAndRecordSize()
    {
        using var temp = new TempFolder();
        string dir = temp.CreateDirectory("cifar-100-binary");
        byte[] records = TestImages.Cifar100Records((0, 0), (1, 1));
        File.WriteAllBytes(Path.Combine(dir, "train.bin"), records[..^10]);

        var error = Assert.Throws<CrsException>(() => CifarDatasets.Load("cifar100", "train", temp.Path));

        Assert.Contains("train.bin", error.Message);
        Assert.Contains($"{records.Length - 10} bytes", error.Message);
        Assert.Contains("3074-byte record", error.Message);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Fact]
    public void LabelOutOfRangeNamesFileRecordLabelAndRange()
    {
        using var temp = new TempFolder();
        string file = Path.Combine(temp.Path, "data_batch_1.bin");
        File.WriteAllBytes(file, TestImages.Cifar10Records(0, 3, 10, 2));

        var error = Assert.Throws<CrsException>(() => CifarBinaryReader.ReadCifar10([file], temp.Path));

        Assert.Contains("data_batch_1.bin", error.Message);
        Assert.Contains("record 1", error.Message);
        Assert.Contains("label 10", error.Message);
        Assert.Contains("0..9", error.Message);
    }

    [Fact]
    public void CoarseLabelOutOfRangeIsRejectedEvenWhenFineLabelsAreFine()
    {
        using var temp = new TempFolder();
        string file = Path.Combine(temp.Path, "test.bin");
        File.WriteAllBytes(file, TestImages.Cifar100Records((5, 5), (20, 7)));

        Assert.Equal([5, 7], CifarBinaryReader.ReadCifar100(file, coarse: false).Labels);
        var error = Assert.Throws<CrsException>(() => CifarBinaryReader.ReadCifar100(file, coarse: true));
        Assert.Contains("record 1 has label 20, expected 0..19", error.Message);
    }

    [Fact]
    public void MissingBatchFileIsNamed()
    {
        using var temp = new TempFolder();
        string dir = temp.CreateDirectory("cifar-10-batches-bin");
        File.WriteAllBytes(Path.Combine(dir, "data_batch_1.bin"), TestImages.Cifar10Records(0, 1));

        var error = Assert.Throws<CrsException>(() => CifarDatasets.Load("cifar10", "train", temp.Path));

        Assert.Contains("data_batch_2.bin", error.Message);
    }

    [Fact]
    public void EmptyFileIsRejected()
    {
        using var temp = new TempFolder();
        string file = Path.Combine(temp.Path, "test_batch.bin");
        File.WriteAllBytes(file, []);

        var error = Assert.Throws<CrsException>(() => CifarBinaryReader.ReadCifar10([file], temp.Path));

        Assert.Contains("test_batch.bin: size 0 bytes", error.Message);
    }

    [Fact]
    public void WrongNumberOfClassNamesIsRejected()
    {
        using var temp = new TempFolder();
        string file = Path.Combine(temp.Path, "test.bin");
        File.WriteAllBytes(file, TestImages.Cifar100Records((0, 0)));
        File.WriteAllLines(Path.Combine(temp.Path, "coarse_label_names.txt"), ["a", "b"]);

        var error = Assert.Throws<CrsException>(() => CifarBinaryReader.ReadCifar100(file, coarse: true));

        Assert.Contains("coarse_label_names.txt: expected 20 class names", error.Message);
    }
}
