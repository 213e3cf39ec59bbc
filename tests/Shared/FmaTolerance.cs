using CrsIlgpu.Kernels.Runtime;

namespace CrsIlgpu.Tests.Shared;

/// <summary>
/// The tolerance rule for kernel outputs that are not exact by construction (docs/ARCHITECTURE.md,
/// "FMA contraction"). On CUDA, ptxas and the driver's JIT contract ILGPU's mul.f32 + add.f32 into
/// FFMA, which skips the product's rounding. A sum of L terms t_j, contracted or not, lies within
/// γ_L·Σ|t_j| of the exact sum (γ_L ≈ L·u, u = 2^-24, L the longest chain of roundings a term passes
/// through), so the two differ by at most 2·L·u·Σ|t_j| = 1 ulp(1)·L·Σ|t_j|; the bound allows
/// <see cref="Ulps"/> of those. Every other device (the CPU accelerator, the C# backend) runs .NET
/// arithmetic, which never contracts: there the comparison stays bit for bit.
/// </summary>
public static class FmaTolerance
{
    /// <summary>ulp(1) of fp32, 2^-23: twice the unit roundoff.</summary>
    public const double Ulp = 1.0 / (1 << 23);

    /// <summary>ulps per rounding of the chain: twice the worst case, so only a wrong result fails.</summary>
    public const double Ulps = 2;

    /// <summary>
    /// The largest difference contraction may make in a sum whose terms pass through at most
    /// <paramref name="length"/> roundings and whose absolute values add up to <paramref name="absoluteSum"/>.
    /// </summary>
    public static double Bound(int length, double absoluteSum) => Ulps * length * Ulp * absoluteSum;

    /// <summary>
    /// Bit for bit where <paramref name="device"/> does not contract; on CUDA each element i within
    /// <see cref="Bound"/>(<paramref name="length"/>, <paramref name="absoluteSum"/>(i)).
    /// </summary>
    public static void AssertEqual(DeviceContext device, float[] expected, float[] actual, int length, Func<int, double> absoluteSum, string what)
    {
        if (!device.IsCuda)
        {
            Assert.Equal(expected, actual);
            return;
        }
        Closeness.AssertClose(expected, actual, i => Bound(length, absoluteSum(i)), $"{what} (CUDA: FMA contraction allowed)");
    }
}
