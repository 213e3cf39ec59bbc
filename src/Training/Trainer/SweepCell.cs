namespace CrsIlgpu.Training.Trainer;

/// <summary>One run of a sweep: a dataset at a keep ratio, its folder and, once trained, its epoch metrics.</summary>
public sealed record SweepCell(string Dataset, double Ratio, string RunDirectory, IReadOnlyList<EpochMetrics> Epochs)
{
    public EpochMetrics? Last => Epochs.Count == 0 ? null : Epochs[^1];

    public double BestTestAccuracy => Epochs.Count == 0 ? double.NaN : Epochs.Max(e => e.TestAccuracy);

    public long PeakBytes => Epochs.Count == 0 ? 0 : Epochs.Max(e => e.PeakBytes);
}
