namespace CrsIlgpu.Kernels.Runtime;

/// <summary>
/// Derives the seed of each random stream (an epoch's shuffle, a batch's augmentation, ...) from the
/// run's seed and the stream's coordinates with SplitMix64 (Steele, Lea and Flood 2014; the
/// finaliser of java.util.SplittableRandom): h = SplitMix64(seed), then h = SplitMix64(h ⊕ part)
/// for each part in order, and the top 31 bits as a non-negative <c>int</c> for
/// <see cref="Random(int)"/>. A fixed function, so a seed means the same thing in every process and
/// on every machine; <see cref="HashCode"/> must not be used for this because .NET seeds it randomly
/// once per process.
/// </summary>
public static class SeedMixer
{
    /// <summary>One SplitMix64 step: the golden-ratio increment, then the variant-13 finaliser.</summary>
    public static ulong SplitMix64(ulong x)
    {
        x += 0x9E3779B97F4A7C15UL;
        x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9UL;
        x = (x ^ (x >> 27)) * 0x94D049BB133111EBUL;
        return x ^ (x >> 31);
    }

    /// <summary>The 64-bit mix of <paramref name="seed"/> and <paramref name="parts"/> (order matters).</summary>
    public static ulong Mix64(long seed, params ReadOnlySpan<long> parts)
    {
        var h = SplitMix64(unchecked((ulong)seed));
        foreach (var part in parts)
            h = SplitMix64(h ^ unchecked((ulong)part));
        return h;
    }

    /// <summary>A non-negative seed for <see cref="Random(int)"/> (whose sequence for a given seed is fixed across .NET versions).</summary>
    public static int Mix(long seed, params ReadOnlySpan<long> parts) => (int)(Mix64(seed, parts) >> 33);
}
