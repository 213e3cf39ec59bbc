namespace CrsIlgpu.Training.Tests.Data;

public class CifarDatasetsTests
{
    [Fact]
    public void MissingCifar10SaysWhatWasLookedForAndHowToGetIt()
    {
        using var temp = new TempFolder();

        var error = Assert.Throws<CrsException>(() => CifarDatasets.Load("cifar10", "train", temp.Path));

        Assert.Contains("cifar-10-jpg", error.Message);
        Assert.Contains("cifar-10-batches-bin", error.Message);
        Assert.Contains($"tar -xzf ../shared/data/cifar-10-jpg.tar.gz -C {temp.Path}/", error.Message);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Fact]
    public void MissingCifar100SaysWhatWasLookedForAndHowToGetIt()
    {
        using var temp = new TempFolder();

        var error = Assert.Throws<CrsException>(() => CifarDatasets.Load("cifar100-coarse", "test", temp.Path));

        Assert.Contains("cifar-100-binary", error.Message);
        Assert.Contains("tar -xzf ../shared/data/cifar-100-binary.tar.gz -C", error.Message);
    }

    [Fact]
    public void UnknownNameOrSplitIsRejected()
    {
        using var temp = new TempFolder();

        Assert.Contains("cifar10, cifar100, cifar100-coarse",
            Assert.Throws<CrsException>(() => CifarDatasets.Load("mnist", "train", temp.Path)).Message);
        Assert.Contains("expected train or test",
            Assert.Throws<CrsException>(() => CifarDatasets.Load("cifar10", "valid", temp.Path)).Message);
    }

    [Fact]
    public void RealCifar100TestSplitFromThePackMatchesTheReadme()
    {
        string? pack = FindSharedData("cifar-100-binary.tar.gz");
        if (pack is null)
            Assert.Skip("cifar-100-binary.tar.gz not found beside the repository (../shared/data) or in /work/shared/data.");

        CifarImages fine = CifarDatasets.LoadCifar100FromPack(pack, "test", coarse: false);
        Assert.Equal(10_000, fine.Count);
        Assert.Equal(100, fine.Classes);
        Assert.All(fine.CountPerClass(), count => Assert.Equal(100, count));
        Assert.Equal("apple", fine.ClassNames[0]);

        ChannelStats stats = ChannelStats.Compute(fine);
        double[] publishedTestMean = [0.5088, 0.4874, 0.4419];
        for (int channel = 0; channel < 3; channel++)
            Assert.InRange(stats.Mean[channel], publishedTestMean[channel] - 0.002, publishedTestMean[channel] + 0.002);

        CifarImages coarse = CifarDatasets.LoadCifar100FromPack(pack, "test", coarse: true);
        Assert.Equal(20, coarse.Classes);
        Assert.All(coarse.CountPerClass(), count => Assert.Equal(500, count));
        Assert.Equal(fine.Pixels, coarse.Pixels);
    }

    /// <summary>The shared data folder: ../shared/data or ../../shared/data beside the repository root, else /work/shared/data.</summary>
    private static string? FindSharedData(string fileName)
    {
        var candidates = new List<string>();
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (!File.Exists(Path.Combine(dir.FullName, "CrsIlgpu.sln"))) continue;
            candidates.Add(Path.Combine(dir.FullName, "..", "shared", "data"));
            candidates.Add(Path.Combine(dir.FullName, "..", "..", "shared", "data"));
            break;
        }
        candidates.Add("/work/shared/data");
        return candidates.Select(folder => Path.GetFullPath(Path.Combine(folder, fileName))).FirstOrDefault(File.Exists);
    }
}
