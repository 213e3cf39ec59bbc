namespace CrsIlgpu.Tests.Shared;

/// <summary>The checkout's root (where CrsIlgpu.sln is), found upward from the test binaries.</summary>
public static class RepositoryRoot
{
    public static string Path { get; } = Find();

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "CrsIlgpu.sln")))
                return dir.FullName;
        }
        throw new InvalidOperationException($"no CrsIlgpu.sln above {AppContext.BaseDirectory}");
    }
}
