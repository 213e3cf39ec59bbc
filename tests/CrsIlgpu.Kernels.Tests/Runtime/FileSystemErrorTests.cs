namespace CrsIlgpu.Kernels.Tests.Runtime;

public class FileSystemErrorTests
{
    [Fact]
    public void AFullDiskHasItsOwnExitCodeAndNamesThePath()
    {
        // What .NET throws on Linux for ENOSPC: the errno is the HResult.
        var error = FileSystemError.Wrap(new IOException("No space left on device : '/runs/x/checkpoint.tmp-7/model.safetensors'", 28), "/runs/x/checkpoint");
        Assert.Equal(FileSystemError.DiskFullExitCode, error.ExitCode);
        Assert.Equal("/runs/x/checkpoint: no space left on the device", error.Message);
    }

    [Fact]
    public void WithoutAPathTheOneInTheMessageIsNamed()
    {
        var error = FileSystemError.Wrap(new UnauthorizedAccessException("Access to the path '/ro/run' is denied."));
        Assert.Equal(2, error.ExitCode);
        Assert.Equal("/ro/run: permission denied (a read-only folder or file?)", error.Message);
    }

    [Fact]
    public void AtomicFileWritesTheWholeFileSyncsAndLeavesNoTemporary()
    {
        var dir = Directory.CreateTempSubdirectory("crs-atomic-").FullName;
        try
        {
            var path = Path.Combine(dir, "a.json");
            var text = new string('x', 1 << 20);
            AtomicFile.WriteAllText(path, text);
            Assert.Equal(text, File.ReadAllText(path));
            Assert.Equal(["a.json"], Directory.GetFileSystemEntries(dir).Select(Path.GetFileName));
            // The folder fsync is a libc call: it must really run on Linux, not silently do nothing.
            Assert.Equal(OperatingSystem.IsLinux() || OperatingSystem.IsMacOS(), Durability.SyncFolder(dir));

            var ex = Assert.Throws<CrsException>(() => AtomicFile.WriteAllText(dir, "x"));
            Assert.Contains("is a folder", ex.Message);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Theory]
    [InlineData("checkpoint.tmp-123", 123)]
    [InlineData("metrics.csv.tmp-9", 9)]
    [InlineData(".cifar-10-jpg.unpacking-4242", 4242)]
    [InlineData(".loss.77.tmp.png", 77)]
    [InlineData("checkpoint", null)]
    [InlineData("checkpoint.prev", null)]
    [InlineData("run.tmp-abc", null)]
    public void TemporaryNamesCarryTheirOwnersPid(string name, int? pid) => Assert.Equal(pid, TemporaryFiles.OwnerOf(name));
}
