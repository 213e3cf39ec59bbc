namespace CrsIlgpu.Kernels.Sampling;

/// <summary>
/// CPU backend of the selection: the reference's algorithm itself. Its cost (a sort of N ≤ ~16k
/// floats) is small next to the GEMMs it saves, and running the very code the kernel is checked
/// against keeps the two backends' draws identical.
/// </summary>
public static class WtaCrsSelectionCpu
{
    public static void Select(
        ReadOnlySpan<float> first, ReadOnlySpan<float> second, bool normPairs,
        Span<int> indices, Span<float> scales, Span<int> winnerCount, uint seed, ulong step, uint layer) =>
        winnerCount[0] = WtaCrsSelectionReference.SelectInto(first, second, normPairs, indices, scales, seed, step, layer);
}
