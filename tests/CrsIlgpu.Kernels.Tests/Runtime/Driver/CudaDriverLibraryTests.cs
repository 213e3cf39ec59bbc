using System.Runtime.InteropServices;
using CrsIlgpu.Kernels.Runtime.Driver;

namespace CrsIlgpu.Kernels.Tests.Runtime.Driver;

public sealed class CudaDriverLibraryTests : IDisposable
{
    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("crs-libcuda-");

    public void Dispose() => _root.Delete(recursive: true);

    private string Folder(string name, params string[] files)
    {
        var dir = Directory.CreateDirectory(Path.Combine(_root.FullName, name)).FullName;
        foreach (var file in files)
            File.WriteAllText(Path.Combine(dir, file), "not a shared library");
        return dir;
    }

    [Fact]
    public void TheSonameComesFirstThenLdLibraryPathBeforeTheUsualFoldersThenTheLoadersSearch()
    {
        var a = Folder("a", "libcuda.so");
        var b = Folder("b", "libcuda.so.1");
        var usual = Folder("usual", "libcuda.so.1", "libcuda.so");
        var empty = Folder("empty");

        var candidates = CudaDriverLibrary.Candidates($"{a}:{b}/::{empty}", [usual, a], File.Exists);

        Assert.Equal(
        [
            Path.Combine(b, "libcuda.so.1"), Path.Combine(usual, "libcuda.so.1"), "libcuda.so.1",
            Path.Combine(a, "libcuda.so"), Path.Combine(usual, "libcuda.so"), "libcuda.so",
        ], candidates);
    }

    [Fact]
    public void WithNoFilesOnlyTheLoadersOwnSearchIsLeft()
    {
        var candidates = CudaDriverLibrary.Candidates(null, [Folder("none")], File.Exists);
        Assert.Equal(["libcuda.so.1", "libcuda.so"], candidates);
    }

    [Fact]
    public void TheUsualFoldersIncludeContainersDebianRhelAndWsl()
    {
        Assert.Equal(["/usr/local/nvidia/lib64", "/usr/lib/x86_64-linux-gnu", "/usr/lib64", "/usr/lib/wsl/lib"], CudaDriverLibrary.UsualFolders);
    }

    [Fact]
    public void FindStopsAtTheFirstLoadAndKeepsEveryEarlierReason()
    {
        var tried = new List<string>();
        var search = CudaDriverLibrary.Find(["/x/libcuda.so.1", "libcuda.so.1", "libcuda.so"], path =>
        {
            tried.Add(path);
            return path == "libcuda.so.1" ? new IntPtr(42) : throw new DllNotFoundException($"first line\n{path}: cannot open shared object file");
        });

        Assert.Equal(["/x/libcuda.so.1", "libcuda.so.1"], tried);
        Assert.Equal("libcuda.so.1", search.Loaded);
        Assert.Equal(new IntPtr(42), search.Handle);
        Assert.Equal("/x/libcuda.so.1: cannot open shared object file", search.Attempts[0].Error);
        Assert.Null(search.Attempts[1].Error);
        Assert.Equal("driver library libcuda.so.1", search.Describe());
    }

    [Fact]
    public void AFakeLibraryIsTriedAndItsLoaderErrorKept()
    {
        var fake = Folder("fake", "libcuda.so.1");
        var search = CudaDriverLibrary.Find([Path.Combine(fake, "libcuda.so.1")], NativeLibrary.Load);

        Assert.Null(search.Loaded);
        var attempt = Assert.Single(search.Attempts);
        Assert.Contains(Path.Combine(fake, "libcuda.so.1"), attempt.Error);
        Assert.DoesNotContain("Unable to load shared library", attempt.Error);
        var line = search.Describe();
        Assert.StartsWith("no driver library loaded (tried ", line);
        Assert.DoesNotContain("\n", line);
    }

    [Fact]
    public void RegisteringTwiceIsHarmlessAndContextsStillWork()
    {
        CudaDriverLibrary.Register();
        CudaDriverLibrary.Register();
        Assert.NotEqual("not registered yet", CudaDriverLibrary.Registration);
        using var context = DeviceContext.CreateIlgpuContext();
        Assert.NotEmpty(context.Devices);
    }
}
