namespace CrsIlgpu.Kernels.Loss;

/// <summary>Top-1 hits, plainly: a row hits when the first index of its largest logit is its label.</summary>
public static class AccuracyReference
{
    /// <summary>The first index of the largest value (a NaN never wins; ties go to the lower index), as the evaluator's argmax.</summary>
    public static int ArgMax(ReadOnlySpan<float> row)
    {
        var best = 0;
        for (var c = 1; c < row.Length; c++)
        {
            if (row[c] > row[best])
                best = c;
        }
        return best;
    }

    public static int Hits(ReadOnlySpan<float> logits, ReadOnlySpan<int> labels, int classes)
    {
        var hits = 0;
        for (var r = 0; r < labels.Length; r++)
            hits += ArgMax(logits.Slice(r * classes, classes)) == labels[r] ? 1 : 0;
        return hits;
    }
}
