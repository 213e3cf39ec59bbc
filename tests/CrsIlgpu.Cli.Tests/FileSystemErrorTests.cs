using System.Formats.Tar;
using System.IO.Compression;

namespace CrsIlgpu.Cli.Tests;

/// <summary>What the file system refuses is one `error:` line naming the path (exit 2), and temporaries of dead processes are cleaned up.</summary>
[Collection("console")]
public sealed class FileSystemErrorTests : TinyCifarCommandTests
{
    private readonly string _file;

    public FileSystemErrorTests()
        : base("crs-fs-")
    {
        _file = Path.Combine(Root, "a-file");
        File.WriteAllText(_file, "not a folder");
    }

    public override void Dispose()
    {
        if (!OperatingSystem.IsWindows())
        {
            foreach (var dir in Directory.EnumerateDirectories(Root, "*", SearchOption.AllDirectories))
                File.SetUnixFileMode(dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        base.Dispose();
    }

    private string[] Train(string outDir, params string[] extra) =>
        ["train", "--device", "cpu", "--data", DataDir, "--packs", Root, "--model", ModelFile, "--batch", "16", "--epochs", "1", "--out", outDir, .. extra];

    [Theory]
    [InlineData("--json")]
    [InlineData("--png")]
    [InlineData("--timeline")]
    public void AnOutputFileBelowAFileOrOnAFolderIsOneLine(string option)
    {
        var below = Path.Combine(_file, "sub", "out.x");
        var (code, _, error) = CliRunner.Run("memory", "--plan", "--batch", "2", option, below);
        CliAssert.OneErrorLine(code, error, _file);

        var folder = Directory.CreateDirectory(Path.Combine(Root, "a-folder")).FullName;
        (code, _, error) = CliRunner.Run("memory", "--plan", "--batch", "2", option, folder);
        CliAssert.OneErrorLine(code, error, folder);
    }

    [Fact]
    public void TrainOutBelowAFileIsOneLine()
    {
        var (code, _, error) = CliRunner.Run(Train(Path.Combine(_file, "run")));
        CliAssert.OneErrorLine(code, error, _file);
    }

    [Fact]
    public void EvalJsonOnAFolderIsOneLine()
    {
        Assert.Equal(0, CliRunner.Run(Train(Path.Combine(Root, "run"))).Code);
        var (code, _, error) = CliRunner.Run("eval", "--device", "cpu", "--checkpoint", Path.Combine(Root, "run"), "--data", DataDir, "--json", DataDir);
        CliAssert.OneErrorLine(code, error, DataDir);
    }

    [Fact]
    public void TrainOutInAReadOnlyFolderIsOneLine()
    {
        var readOnly = ReadOnlyFolder();
        var run = Path.Combine(readOnly, "run");
        var (code, _, error) = CliRunner.Run(Train(run));
        CliAssert.OneErrorLine(code, error, readOnly);
        Assert.Contains("permission denied", error);
    }

    [Fact]
    public void StaleTemporariesOfDeadProcessesAreRemovedAndThoseOfLiveOnesKept()
    {
        var run = Path.Combine(Root, "run");
        Directory.CreateDirectory(run);
        var dead = DeadPid();
        var staleCheckpoint = Directory.CreateDirectory(Path.Combine(run, $"checkpoint.tmp-{dead}")).FullName;
        File.WriteAllText(Path.Combine(staleCheckpoint, "model.safetensors"), "half a checkpoint");
        var staleFile = Path.Combine(run, $"metrics.csv.tmp-{dead}");
        File.WriteAllText(staleFile, "half");
        var live = Directory.CreateDirectory(Path.Combine(run, "checkpoint.tmp-1")).FullName; // pid 1 always runs
        var (code, output, error) = CliRunner.Run(Train(run));
        Assert.True(code == 0, error + output);
        Assert.False(Directory.Exists(staleCheckpoint));
        Assert.False(File.Exists(staleFile));
        Assert.True(Directory.Exists(live));
        Assert.Empty(Directory.EnumerateFileSystemEntries(run, $"*.tmp-{Environment.ProcessId}"));
    }

    [Fact]
    public void AStaleUnpackFolderIsRemovedByTheNextUnpack()
    {
        var packs = Directory.CreateDirectory(Path.Combine(Root, "packs")).FullName;
        using (var file = File.Create(Path.Combine(packs, "cifar-100-binary.tar.gz")))
        using (var gzip = new GZipStream(file, CompressionLevel.Fastest))
        using (var tar = new TarWriter(gzip, TarEntryFormat.Ustar))
            tar.WriteEntry(new UstarTarEntry(TarEntryType.RegularFile, "cifar-100-binary/test.bin") { DataStream = new MemoryStream([1, 2, 3]) });
        var data = Directory.CreateDirectory(Path.Combine(Root, "unpacked")).FullName;
        var stale = Directory.CreateDirectory(Path.Combine(data, $".cifar-100-binary.unpacking-{DeadPid()}", "cifar-100-binary")).FullName;
        File.WriteAllText(Path.Combine(stale, "train.bin"), "225 MB in real life");
        var (code, output, error) = CliRunner.Run("data", "unpack", "--from", packs, "--data", data);
        Assert.True(code == 0, error + output);
        Assert.Equal(["cifar-100-binary"], Directory.GetFileSystemEntries(data).Select(Path.GetFileName));
    }

    /// <summary>A pid above the kernel's limit: no process can have it.</summary>
    private static int DeadPid()
    {
        const string limit = "/proc/sys/kernel/pid_max";
        return File.Exists(limit) && int.TryParse(File.ReadAllText(limit).Trim(), out var max) && max < int.MaxValue ? max + 1 : int.MaxValue - 1;
    }

    /// <summary>
    /// A folder this process cannot write into. chmod 555 is enough for a normal user; root ignores it
    /// (tests run as root in containers), so then sysfs stands in: the kernel refuses to create files
    /// there even for root. If neither refuses a write, the case is skipped, saying why.
    /// </summary>
    private string ReadOnlyFolder()
    {
        var folder = Directory.CreateDirectory(Path.Combine(Root, "read-only")).FullName;
        if (!OperatingSystem.IsWindows())
            File.SetUnixFileMode(folder, UnixFileMode.UserRead | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute);
        if (!CanCreateIn(folder))
            return folder;
        if (Directory.Exists("/sys") && !CanCreateIn("/sys"))
            return "/sys";
        Assert.Skip("running as a user chmod does not stop (root) and /sys accepts writes: no read-only folder to test with");
        return folder;
    }

    private static bool CanCreateIn(string folder)
    {
        var probe = Path.Combine(folder, "crs-probe-" + Guid.NewGuid().ToString("N"));
        try
        {
            Directory.CreateDirectory(probe);
            Directory.Delete(probe);
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}
