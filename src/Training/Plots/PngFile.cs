using ScottPlot;

namespace CrsIlgpu.Training.Plots;

/// <summary>Saves a plot as PNG through <see cref="AtomicFile"/> (temporary, fsync, rename), so no half-written image is left.</summary>
public static class PngFile
{
    public static void Save(Plot plot, string path, int width = 900, int height = 520)
    {
        var full = Path.GetFullPath(path);
        var folder = Path.GetDirectoryName(full)!;
        // Older builds rendered into ".NAME.PID.tmp.png" beside the target; remove those a dead process left.
        TemporaryFiles.CleanStale(folder, "." + Path.GetFileNameWithoutExtension(full) + ".");
        AtomicFile.WriteAllBytes(path, plot.GetImageBytes(width, height, ImageFormat.Png));
    }
}
