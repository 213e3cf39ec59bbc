namespace CrsIlgpu.Training.Tests.Data;

public class ChannelStatsTests
{
    [Fact]
    public void MeanAndStdArePerChannelOverAllImagesScaledToUnitRange()
    {
        // Image 0: R = 0, G = 255, B alternates 0/255. Image 1: R = 255, G = 255, B = 51.
        var pixels = new byte[2 * CifarImages.ImageBytes];
        for (int i = 0; i < CifarImages.PlaneBytes; i++)
        {
            pixels[CifarImages.PlaneBytes + i] = 255;
            pixels[2 * CifarImages.PlaneBytes + i] = (byte)(i % 2 == 0 ? 0 : 255);
            pixels[CifarImages.ImageBytes + i] = 255;
            pixels[CifarImages.ImageBytes + CifarImages.PlaneBytes + i] = 255;
            pixels[CifarImages.ImageBytes + 2 * CifarImages.PlaneBytes + i] = 51;
        }
        var images = new CifarImages(pixels, [0, 1], ["a", "b"], "generated");

        ChannelStats stats = ChannelStats.Compute(images);

        Assert.Equal(0.5, stats.Mean[0], 12);
        Assert.Equal(0.5, stats.Std[0], 12);
        Assert.Equal(1.0, stats.Mean[1], 12);
        Assert.Equal(0.0, stats.Std[1], 12);
        // B values: a quarter 0, a quarter 1, half 0.2 → mean 0.35, E[x²] = 0.27, variance 0.1475.
        Assert.Equal(0.35, stats.Mean[2], 12);
        Assert.Equal(Math.Sqrt(0.1475), stats.Std[2], 12);
    }
}
