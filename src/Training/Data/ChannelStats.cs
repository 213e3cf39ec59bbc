namespace CrsIlgpu.Training.Data;

/// <summary>Per-channel (R, G, B) mean and population standard deviation of pixels scaled to [0, 1].</summary>
public sealed class ChannelStats
{
    private ChannelStats(double[] mean, double[] std)
    {
        Mean = mean;
        Std = std;
    }

    public IReadOnlyList<double> Mean { get; }

    public IReadOnlyList<double> Std { get; }

    public static ChannelStats Compute(CifarImages images)
    {
        ArgumentNullException.ThrowIfNull(images);
        if (images.Count == 0)
            throw new ArgumentException("Cannot compute channel statistics of an empty data set.", nameof(images));

        // Byte sums and sums of squares are accumulated as exact integers (even 60,000 images stay far
        // below long.MaxValue), so the only rounding is the final conversion to double.
        var sum = new long[CifarImages.Channels];
        var sumSquares = new long[CifarImages.Channels];
        byte[] pixels = images.Pixels;
        for (int image = 0; image < images.Count; image++)
        {
            int imageStart = image * CifarImages.ImageBytes;
            for (int channel = 0; channel < CifarImages.Channels; channel++)
            {
                var plane = pixels.AsSpan(imageStart + channel * CifarImages.PlaneBytes, CifarImages.PlaneBytes);
                long planeSum = 0, planeSquares = 0;
                foreach (byte value in plane)
                {
                    planeSum += value;
                    planeSquares += value * value;
                }
                sum[channel] += planeSum;
                sumSquares[channel] += planeSquares;
            }
        }

        double n = (double)images.Count * CifarImages.PlaneBytes;
        var mean = new double[CifarImages.Channels];
        var std = new double[CifarImages.Channels];
        for (int channel = 0; channel < CifarImages.Channels; channel++)
        {
            double meanBytes = sum[channel] / n;
            double variance = Math.Max(0, sumSquares[channel] / n - meanBytes * meanBytes);
            mean[channel] = meanBytes / 255.0;
            std[channel] = Math.Sqrt(variance) / 255.0;
        }
        return new ChannelStats(mean, std);
    }

    public override string ToString() =>
        $"mean ({Mean[0]:F4}, {Mean[1]:F4}, {Mean[2]:F4}), std ({Std[0]:F4}, {Std[1]:F4}, {Std[2]:F4})";
}
