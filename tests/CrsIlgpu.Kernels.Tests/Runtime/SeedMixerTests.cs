namespace CrsIlgpu.Kernels.Tests.Runtime;

public sealed class SeedMixerTests
{
    [Fact]
    public void SplitMix64MatchesTheReferenceSequence()
    {
        // The first two outputs of Vigna's splitmix64.c seeded with 0 (state += golden ratio, then mix).
        Assert.Equal(0xE220A8397B1DCDAFUL, SeedMixer.SplitMix64(0));
        Assert.Equal(0x6E789E6AA1B965F4UL, SeedMixer.SplitMix64(0x9E3779B97F4A7C15UL));
    }

    [Fact]
    public void MixIsAFixedOrderSensitiveNonNegativeFunction()
    {
        Assert.Equal(SeedMixer.Mix(7, 1, 2), SeedMixer.Mix(7, 1, 2));
        Assert.NotEqual(SeedMixer.Mix(7, 1, 2), SeedMixer.Mix(7, 2, 1));
        Assert.NotEqual(SeedMixer.Mix(7, 1, 2), SeedMixer.Mix(8, 1, 2));
        Assert.NotEqual(SeedMixer.Mix(7), SeedMixer.Mix(7, 0));
        Assert.Equal((int)(SeedMixer.SplitMix64(SeedMixer.SplitMix64(7) ^ 1) >> 33), SeedMixer.Mix(7, 1));
        var seeds = Enumerable.Range(0, 1000).Select(e => SeedMixer.Mix(-5, 2, e)).ToList();
        Assert.All(seeds, s => Assert.True(s >= 0));
        Assert.Equal(1000, seeds.Distinct().Count());
    }
}
