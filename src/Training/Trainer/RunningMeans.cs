using System.Text.Json.Serialization;

namespace CrsIlgpu.Training.Trainer;

/// <summary>
/// The running mean loss and accuracy of an epoch so far, weighted by batch size (the last batch
/// may be smaller): what the progress line shows, what the epoch record ends with, and what a
/// mid-epoch checkpoint saves so the resumed epoch ends with the same means. Sums, not means, are
/// kept so that adding is exact bookkeeping and a resume continues the same arithmetic.
/// </summary>
public readonly record struct RunningMeans(double LossSum, long Correct, long Seen)
{
    /// <summary>This tally with one more batch of <paramref name="count"/> examples,
    /// mean loss <paramref name="meanLoss"/>, <paramref name="hits"/> right.</summary>
    public RunningMeans Add(double meanLoss, int hits, int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfNegative(hits);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(hits, count);
        return new RunningMeans(LossSum + meanLoss * count, Correct + hits, Seen + count);
    }

    /// <summary>Mean loss per example so far (NaN before the first batch).</summary>
    [JsonIgnore]
    public double Loss => Seen == 0 ? double.NaN : LossSum / Seen;

    /// <summary>Fraction right so far (NaN before the first batch).</summary>
    [JsonIgnore]
    public double Accuracy => Seen == 0 ? double.NaN : (double)Correct / Seen;
}
