namespace CrsIlgpu.Kernels.Loss;

/// <summary>
/// The CPU backend's top-1 hit count: a batch has at most a few hundred rows of a few classes, so
/// one thread over the rows is already faster than any split; it is the reference's loop.
/// </summary>
public static class AccuracyCpu
{
    public static float Hits(ReadOnlySpan<float> logits, ReadOnlySpan<int> labels, int classes) =>
        AccuracyReference.Hits(logits, labels, classes);
}
