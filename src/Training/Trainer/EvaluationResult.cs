namespace CrsIlgpu.Training.Trainer;

/// <summary>Mean cross-entropy, top-1 accuracy, and correct / total per class on an evaluation split.</summary>
public sealed record EvaluationResult(double Loss, double Accuracy, string[] ClassNames, int[] CorrectPerClass, int[] TotalPerClass)
{
    /// <summary>The memory pool's peak allocation during the evaluation (requested bytes, everything live: weights included).</summary>
    public long PeakBytes { get; init; }

    public int Images => TotalPerClass.Sum();

    public double ClassAccuracy(int c) => TotalPerClass[c] == 0 ? double.NaN : (double)CorrectPerClass[c] / TotalPerClass[c];
}
