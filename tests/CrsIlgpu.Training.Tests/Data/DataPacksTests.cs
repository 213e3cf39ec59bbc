using System.Formats.Tar;
using System.IO.Compression;

namespace CrsIlgpu.Training.Tests.Data;

public class DataPacksTests
{
    private static void WritePack(string path, params (string Name, byte[] Data)[] entries)
    {
        using var file = File.Create(path);
        using var gzip = new GZipStream(file, CompressionLevel.Fastest);
        using var tar = new TarWriter(gzip, TarEntryFormat.Ustar);
        foreach (var (name, data) in entries)
            tar.WriteEntry(new UstarTarEntry(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(data) });
    }

    [Fact]
    public void UnpacksIntoPlaceOnceAndLeavesAnExistingFolderAlone()
    {
        using var temp = new TempFolder();
        var packs = temp.CreateDirectory("packs");
        WritePack(Path.Combine(packs, "cifar-100-binary.tar.gz"),
            ("cifar-100-binary/test.bin", [1, 2, 3]), ("cifar-100-binary/fine_label_names.txt", "a\n"u8.ToArray()));
        var data = temp.Combine("data");

        var first = DataPacks.Unpack(packs, data);
        Assert.Equal("cifar-100-binary: 2 files unpacked into " + Path.Combine(data, "cifar-100-binary"), Assert.Single(first));
        Assert.Equal([1, 2, 3], File.ReadAllBytes(Path.Combine(data, "cifar-100-binary", "test.bin")));
        Assert.Equal(["cifar-100-binary"], Directory.GetDirectories(data).Select(Path.GetFileName)); // no staging folder left

        var second = DataPacks.Unpack(packs, data);
        Assert.Contains("already present", Assert.Single(second));
    }

    [Fact]
    public void AnEntryEscapingTheFolderIsRefusedAndNothingIsLeft()
    {
        using var temp = new TempFolder();
        var packs = temp.CreateDirectory("packs");
        WritePack(Path.Combine(packs, "cifar-10-jpg.tar.gz"), ("cifar-10-jpg/ok.txt", [1]), ("../../evil.txt", [2]));
        var data = temp.Combine("data");
        var ex = Assert.Throws<CrsException>(() => DataPacks.Unpack(packs, data));
        Assert.Contains("outside the data folder", ex.Message);
        Assert.False(File.Exists(temp.Combine("evil.txt")));
        Assert.Empty(Directory.GetFileSystemEntries(data)); // neither the dataset nor a staging folder
    }

    [Fact]
    public void GarbageAndMissingPacksAreOneLineErrors()
    {
        using var temp = new TempFolder();
        var packs = temp.CreateDirectory("packs");
        Assert.Contains("holds none of", Assert.Throws<CrsException>(() => DataPacks.Unpack(packs, temp.Combine("data"))).Message);
        File.WriteAllBytes(Path.Combine(packs, "cifar-10-jpg.tar.gz"), [1, 2, 3, 4]);
        var ex = Assert.Throws<CrsException>(() => DataPacks.Unpack(packs, temp.Combine("data")));
        Assert.Contains("not a readable .tar.gz", ex.Message);
        Assert.DoesNotContain("\n", ex.Message);
    }

    [Fact]
    public void ADamagedArchiveWithANamelessEntrySaysSoInsteadOfOutsideTheFolder()
    {
        using var temp = new TempFolder();
        var packs = temp.CreateDirectory("packs");
        // A tar header that checks out but names nothing, as a damaged pack can decode to.
        var header = new byte[512];
        void Field(int offset, string text) => System.Text.Encoding.ASCII.GetBytes(text).CopyTo(header, offset);
        Field(100, "0000644\0");
        Field(108, "0000000\0");
        Field(116, "0000000\0");
        Field(124, "00000000000\0");
        Field(136, "00000000000\0");
        header[156] = (byte)'0';
        Field(148, "        ");
        var sum = header.Sum(b => b);
        Field(148, Convert.ToString(sum, 8).PadLeft(6, '0') + "\0 ");
        using (var file = File.Create(Path.Combine(packs, "cifar-10-jpg.tar.gz")))
        using (var gzip = new GZipStream(file, CompressionLevel.Fastest))
        {
            gzip.Write(header);
            gzip.Write(new byte[1024]);
        }
        var ex = Assert.Throws<CrsException>(() => DataPacks.Unpack(packs, temp.Combine("data")));
        Assert.Contains("not a readable .tar.gz", ex.Message);
        Assert.DoesNotContain("outside the data folder", ex.Message);
        Assert.Empty(Directory.GetFileSystemEntries(temp.Combine("data")));
    }
}
