namespace CrsIlgpu.Training.Data;

/// <summary>
/// The seed experiments' CIFAR augmentation: random crop of 32 from the image zero-padded by
/// <see cref="Padding"/> pixels (torchvision's RandomCrop(32, padding=4)), horizontal flip with
/// probability ½, then per-channel normalisation (x/255 − mean) / std.
/// </summary>
public sealed record Augmentation(bool RandomCrop, bool HorizontalFlip, IReadOnlyList<float> Mean, IReadOnlyList<float> Std, int Padding = 4)
{
    /// <summary>Training: crop + flip, with the given statistics.</summary>
    public static Augmentation Train(ChannelStats stats) =>
        new(true, true, stats.Mean.Select(v => (float)v).ToArray(), stats.Std.Select(v => (float)v).ToArray());

    /// <summary>Evaluation: normalisation only.</summary>
    public static Augmentation Eval(ChannelStats stats) =>
        new(false, false, stats.Mean.Select(v => (float)v).ToArray(), stats.Std.Select(v => (float)v).ToArray());

    /// <summary>
    /// Channel <paramref name="channel"/>'s normalisation of a raw byte v as v·scale + shift (floats):
    /// scale = 1/(255·std), shift = −mean/std. Everything that feeds the model normalises with it.
    /// </summary>
    public (float Scale, float Shift) Affine(int channel) => (1f / (255f * Std[channel]), -Mean[channel] / Std[channel]);

    /// <summary>
    /// Writes image <paramref name="index"/> of <paramref name="data"/> into <paramref name="output"/>
    /// (3 × 32 × 32 floats). Padded pixels are 0 before normalisation, as torchvision pads.
    /// </summary>
    public void Apply(CifarImages data, int index, Span<float> output, Random random)
    {
        const int side = CifarImages.Side;
        var dx = RandomCrop ? random.Next(2 * Padding + 1) - Padding : 0;
        var dy = RandomCrop ? random.Next(2 * Padding + 1) - Padding : 0;
        var flip = HorizontalFlip && random.Next(2) == 1;
        var image = data.Image(index);
        for (var c = 0; c < CifarImages.Channels; c++)
        {
            var (scale, shift) = Affine(c);
            var plane = image.Slice(c * CifarImages.PlaneBytes, CifarImages.PlaneBytes);
            var target = output.Slice(c * CifarImages.PlaneBytes, CifarImages.PlaneBytes);
            for (var y = 0; y < side; y++)
            {
                var sy = y + dy;
                for (var x = 0; x < side; x++)
                {
                    var sx = (flip ? side - 1 - x : x) + dx;
                    var inside = sy >= 0 && sy < side && sx >= 0 && sx < side;
                    target[y * side + x] = (inside ? plane[sy * side + sx] : 0) * scale + shift;
                }
            }
        }
    }
}
