using CrsIlgpu.Kernels.Numerics;

namespace CrsIlgpu.Kernels.Sampling;

/// <summary>
/// Philox4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3", SC'11; Random123):
/// a counter-based generator, so draw t of a stream is a pure function of (key, counter) — no state
/// to carry between steps or threads, and the same bits in a kernel and in C#. Only scalar integer
/// arithmetic (no arrays), so the methods run inside ILGPU kernels.
/// Streams: key = (seed, layer), counter = (step low word, step high word, draw index, problem); every
/// (seed, step, layer, problem) gives its own reproducible sequence of draws. A single selection is
/// problem 0; the batched selection (one per (batch, head) of attention) uses the problem index.
/// </summary>
public static class PhiloxRandom
{
    public const uint M0 = 0xD2511F53;
    public const uint M1 = 0xCD9E8D57;
    public const uint W0 = 0x9E3779B9;
    public const uint W1 = 0xBB67AE85;
    public const int Rounds = 10;

    /// <summary>2^-24: a 24-bit integer times this is an exactly representable float in [0, 1).</summary>
    private const float TwoPowMinus24 = 1f / 16777216f;

    /// <summary>Philox4x32-10 of counter (c0..c3) under key (k0, k1).</summary>
    public static PhiloxBlock Philox4x32(uint c0, uint c1, uint c2, uint c3, uint k0, uint k1)
    {
        for (var round = 0; round < Rounds; round++)
        {
            if (round > 0)
            {
                // The key is bumped by the Weyl constants between rounds (9 bumps for 10 rounds).
                k0 += W0;
                k1 += W1;
            }
            var product0 = (ulong)M0 * c0;
            var product1 = (ulong)M1 * c2;
            var hi0 = (uint)(product0 >> 32);
            var lo0 = (uint)product0;
            var hi1 = (uint)(product1 >> 32);
            var lo1 = (uint)product1;
            c0 = hi1 ^ c1 ^ k0;
            c1 = lo1;
            c2 = hi0 ^ c3 ^ k1;
            c3 = lo0;
        }
        return new PhiloxBlock(c0, c1, c2, c3);
    }

    /// <summary>
    /// A float uniform in [0, 1) from the 24 high bits of <paramref name="bits"/> (exact: every value is k·2^-24). The product is
    /// exact anyway; <see cref="ExactFloat"/> keeps the selection kernels free of contractible multiplies (their PTX test).
    /// </summary>
    public static float ToUniform(uint bits) => ExactFloat.Mul(bits >> 8, TwoPowMinus24);

    /// <summary>The block for draw <paramref name="draw"/> of stream (seed, step, layer, problem).</summary>
    public static PhiloxBlock Block(uint seed, ulong step, uint layer, uint draw, uint problem = 0) =>
        Philox4x32((uint)step, (uint)(step >> 32), draw, problem, seed, layer);

    /// <summary>Uniform u_t in [0, 1) of draw <paramref name="draw"/> of stream (seed, step, layer, problem): the first word of its block.</summary>
    public static float Uniform(uint seed, ulong step, uint layer, uint draw, uint problem = 0) =>
        ToUniform(Block(seed, step, layer, draw, problem).X0);
}
