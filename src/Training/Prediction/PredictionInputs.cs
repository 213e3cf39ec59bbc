using CrsIlgpu.Training.Data;

namespace CrsIlgpu.Training.Prediction;

/// <summary>What `crs predict` reads: one image file, or a folder's *.png, *.jpg and *.jpeg files (not its sub-folders), by name in ordinal order.</summary>
public static class PredictionInputs
{
    public static IReadOnlyList<string> Resolve(string path)
    {
        if (File.Exists(path))
            return [path];
        if (!Directory.Exists(path))
            throw new CrsException($"{path}: no such image file or folder");
        var files = Directory.GetFiles(path).Where(ImageFile.HasImageExtension).Order(StringComparer.Ordinal).ToList();
        if (files.Count == 0)
            throw new CrsException($"{path}: the folder holds no {string.Join(", ", ImageFile.Extensions.Select(e => "*" + e))} files " +
                "(sub-folders are not searched)");
        return files;
    }

    /// <summary>
    /// Decodes every file once, before anything runs, so that one unreadable file stops the command
    /// with its name (the first in input order, and how many more) instead of failing halfway.
    /// </summary>
    public static void CheckReadable(IReadOnlyList<string> files)
    {
        var errors = new string?[files.Count];
        Parallel.For(0, files.Count, CpuThreads.Options, i =>
            errors[i] = ImageFile.TryRead(files[i], out var error) is null ? $"{files[i]}: {error}" : null);
        if (errors.FirstOrDefault(e => e is not null) is { } first)
        {
            var more = errors.Count(e => e is not null) - 1;
            throw new CrsException($"{first}; expected a JPEG or PNG image{(more > 0 ? $" ({more} more unreadable file(s))" : "")}; nothing was predicted");
        }
    }
}
