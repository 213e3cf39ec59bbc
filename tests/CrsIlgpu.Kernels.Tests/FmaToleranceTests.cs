using Xunit.Sdk;

namespace CrsIlgpu.Kernels.Tests;

/// <summary>
/// The derived CUDA tolerance (<see cref="FmaTolerance"/>) holds what contraction does and no more: a dot product
/// summed with every multiply-add fused (MathF.FusedMultiplyAdd, what FFMA computes) against the plain sum stays
/// inside the bound, a dropped term does not, and off CUDA the assertion is bit for bit.
/// </summary>
public class FmaToleranceTests
{
    /// <summary>Σ a_i·b_i over seeded a ∈ [−3, 3), b ∈ [−1, 1): plainly, fused at every step, Σ|a_i·b_i| and the largest term.</summary>
    private static (float Plain, float Fused, double AbsoluteSum, float Largest) Sums(int length, int seed)
    {
        var random = new Random(seed);
        float plain = 0f, fused = 0f, largest = 0f;
        var absoluteSum = 0.0;
        for (var i = 0; i < length; i++)
        {
            var a = (float)(random.NextDouble() * 6 - 3);
            var b = (float)(random.NextDouble() * 2 - 1);
            plain += a * b;
            fused = MathF.FusedMultiplyAdd(a, b, fused);
            absoluteSum += Math.Abs((double)a * b);
            largest = MathF.Max(largest, MathF.Abs(a * b));
        }
        return (plain, fused, absoluteSum, largest);
    }

    [Theory]
    [InlineData(32)]
    [InlineData(1100)]
    public void FusedAndPlainSumsDifferByLessThanTheBound(int length)
    {
        for (var seed = 1; seed <= 20; seed++)
        {
            var (plain, fused, absoluteSum, largest) = Sums(length, seed);
            var bound = FmaTolerance.Bound(length, absoluteSum);
            Assert.True(Math.Abs(plain - fused) <= bound, $"seed {seed}: |Δ| {Math.Abs(plain - fused):E2} > bound {bound:E2}");
            // The largest term left out (a wrong loop bound) is far outside it.
            Assert.True(largest > 10 * bound, $"seed {seed}: largest term {largest:E2}, bound {bound:E2}");
        }
    }

    [Fact]
    public void ContractionChangesTheBits() =>
        Assert.Contains(Enumerable.Range(1, 20).Select(seed => Sums(100, seed)), s => s.Plain != s.Fused); // why Assert.Equal cannot hold on CUDA

    [Fact]
    public void BoundIsUlpsTimesLengthTimesTheAbsoluteSum() =>
        Assert.Equal(2 * 100 * Math.Pow(2, -23) * 5.0, FmaTolerance.Bound(100, 5.0), 1e-18);

    [Fact]
    public void OffCudaItIsBitForBit()
    {
        var device = TestAccelerators.CpuBackend;
        FmaTolerance.AssertEqual(device, [1f, 2f], [1f, 2f], 1000, _ => 1e6, "y");
        Assert.ThrowsAny<XunitException>(() => FmaTolerance.AssertEqual(device, [1f], [MathF.BitIncrement(1f)], 1000, _ => 1e6, "y"));
    }
}
