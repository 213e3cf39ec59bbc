using ScottPlot;

namespace CrsIlgpu.Training.Plots;

/// <summary>Saves a plot as PNG through a temporary file and a rename, so no half-written image is left.</summary>
public static class PngFile
{
    public static void Save(Plot plot, string path, int width = 900, int height = 520)
    {
        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        var temp = Path.Combine(Path.GetDirectoryName(full)!, $".{Path.GetFileNameWithoutExtension(full)}.{Environment.ProcessId}.tmp.png");
        plot.SavePng(temp, width, height);
        File.Move(temp, full, overwrite: true);
    }
}
