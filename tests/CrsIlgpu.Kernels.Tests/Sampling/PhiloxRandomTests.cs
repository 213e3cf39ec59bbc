using ILGPU;
using ILGPU.Runtime;

namespace CrsIlgpu.Kernels.Tests.Sampling;

public class PhiloxRandomTests
{
    /// <summary>Random123's kat_vectors for philox4x32_10: counter c0..c3, key k0 k1, expected output.</summary>
    [Theory]
    [InlineData(0u, 0u, 0u, 0u, 0u, 0u, 0x6627e8d5u, 0xe169c58du, 0xbc57ac4cu, 0x9b00dbd8u)]
    [InlineData(0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu, 0x408f276du, 0x41c83b0eu, 0xa20bc7c6u, 0x6d5451fdu)]
    [InlineData(0x243f6a88u, 0x85a308d3u, 0x13198a2eu, 0x03707344u, 0xa4093822u, 0x299f31d0u, 0xd16cfe09u, 0x94fdccebu, 0x5001e420u, 0x24126ea1u)]
    public void MatchesPublishedKnownAnswers(uint c0, uint c1, uint c2, uint c3, uint k0, uint k1, uint x0, uint x1, uint x2, uint x3)
    {
        var block = PhiloxRandom.Philox4x32(c0, c1, c2, c3, k0, k1);
        Assert.Equal(new PhiloxBlock(x0, x1, x2, x3).ToString(), block.ToString());
    }

    [Fact]
    public void UniformIsInUnitIntervalAndUses24HighBits()
    {
        Assert.Equal(0f, PhiloxRandom.ToUniform(0));
        Assert.Equal(0f, PhiloxRandom.ToUniform(0xff)); // the 8 low bits are dropped
        Assert.Equal(1f - 1f / 16777216f, PhiloxRandom.ToUniform(uint.MaxValue));
        Assert.True(PhiloxRandom.ToUniform(uint.MaxValue) < 1f);
        Assert.Equal(0.5f, PhiloxRandom.ToUniform(0x80000000));
    }

    [Fact]
    public void StreamsAreReproducibleAndDifferPerSeedStepLayer()
    {
        static float[] Stream(uint seed, ulong step, uint layer) =>
            Enumerable.Range(0, 64).Select(t => PhiloxRandom.Uniform(seed, step, layer, (uint)t)).ToArray();

        var baseStream = Stream(1, 5, 3);
        Assert.Equal(baseStream, Stream(1, 5, 3));
        Assert.NotEqual(baseStream, Stream(2, 5, 3));
        Assert.NotEqual(baseStream, Stream(1, 6, 3));
        Assert.NotEqual(baseStream, Stream(1, 5, 4));
        Assert.NotEqual(baseStream, Stream(1, 5 + (1UL << 32), 3)); // the step's high word counts too
        Assert.Equal(64, baseStream.Distinct().Count());
    }

    [Fact]
    public void TheProblemWordSelectsAStreamAndZeroIsTheSingleSelections()
    {
        static float[] Stream(uint problem) =>
            Enumerable.Range(0, 64).Select(t => PhiloxRandom.Uniform(1, 5, 3, (uint)t, problem)).ToArray();

        var single = Enumerable.Range(0, 64).Select(t => PhiloxRandom.Uniform(1, 5, 3, (uint)t)).ToArray();
        Assert.Equal(single, Stream(0));
        Assert.Equal(PhiloxRandom.Philox4x32(5, 0, 9, 2, 1, 3).X0, PhiloxRandom.Block(1, 5, 3, 9, 2).X0); // counter word 3 = problem
        for (uint problem = 1; problem < 4; problem++)
            Assert.NotEqual(single, Stream(problem));
        Assert.NotEqual(Stream(1), Stream(2));
    }

    /// <summary>Mean 1/2 and variance 1/12 within ~5σ of their sampling error over 2^16 draws; the decile counts within 5σ too.</summary>
    [Fact]
    public void UniformMomentsAndDecilesMatchTheUniformDistribution()
    {
        const int count = 1 << 16;
        var sum = 0.0;
        var squares = 0.0;
        var bins = new int[10];
        for (var t = 0; t < count; t++)
        {
            double u = PhiloxRandom.Uniform(7, 11, 2, (uint)t);
            sum += u;
            squares += u * u;
            bins[(int)(u * 10)]++;
        }
        var mean = sum / count;
        var variance = squares / count - mean * mean;
        Assert.InRange(mean, 0.5 - 5 * Math.Sqrt(1.0 / 12 / count), 0.5 + 5 * Math.Sqrt(1.0 / 12 / count));
        Assert.InRange(variance, 1.0 / 12 - 0.002, 1.0 / 12 + 0.002);
        var expected = count / 10.0;
        var sigma = Math.Sqrt(count * 0.1 * 0.9);
        Assert.All(bins, b => Assert.InRange(b, expected - 5 * sigma, expected + 5 * sigma));
    }

    private static void PhiloxBlocks(Index1D i, ArrayView<uint> output, uint seed, uint layer, ulong step)
    {
        var block = PhiloxRandom.Block(seed, step, layer, (uint)i.X);
        output[4 * i] = block.X0;
        output[4 * i + 1] = block.X1;
        output[4 * i + 2] = block.X2;
        output[4 * i + 3] = block.X3;
    }

    /// <summary>The same bits inside a kernel (CPU accelerator, or CUDA with CRS_TEST_DEVICE=cuda) as in C#.</summary>
    [Fact]
    [KernelPath]
    public void KernelGivesTheSameBitsAsCSharp()
    {
        const int draws = 100;
        const ulong step = (3UL << 32) | 17;
        var accelerator = TestAccelerators.Accelerator;
        using var buffer = accelerator.Allocate1D<uint>(4 * draws);
        var kernel = accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<uint>, uint, uint, ulong>(PhiloxBlocks);
        kernel(draws, buffer.View, 42, 9, step);
        var actual = buffer.GetAsArray1D();
        for (var t = 0; t < draws; t++)
        {
            var expected = PhiloxRandom.Block(42, step, 9, (uint)t);
            Assert.Equal(expected.ToString(), new PhiloxBlock(actual[4 * t], actual[4 * t + 1], actual[4 * t + 2], actual[4 * t + 3]).ToString());
        }
    }
}
