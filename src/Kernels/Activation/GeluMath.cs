using ILGPU.Algorithms;

namespace CrsIlgpu.Kernels.Activation;

/// <summary>
/// fp32 GELU in its exact erf form, gelu(x) = 0.5·x·(1 + erf(x/√2)) = x·Φ(x) — PyTorch's nn.GELU()
/// default (approximate='none') and timm ViT's — NOT the tanh approximation. ILGPU.Algorithms'
/// XMath has no erf, so Φ is computed from the complementary error function with the Chebyshev
/// fit of Numerical Recipes (erfcc, W. H. Press et al., §6.2):
/// erfc(z) = t·exp(−z² + P(t)), t = 1/(1 + z/2), fractional error &lt; 1.2e-7 for every z ≥ 0.
/// Using erfc on the negative side keeps Φ relatively accurate in the left tail (no 1 − erf
/// cancellation), so gelu has a small RELATIVE error everywhere; in fp32 the exponent rounding adds
/// about x²/2 ulp, measured ≤ 2e-6 relative on |x| ≤ 6 (ActivationReferenceTests). The kernels,
/// the CPU backend's scalar tail and its SIMD path all use these constants.
/// </summary>
internal static class GeluMath
{
    internal const float InvSqrt2 = 0.70710678118654752f;
    internal const float InvSqrt2Pi = 0.39894228040143268f;

    // Coefficients of P(t), highest power last (Numerical Recipes erfcc).
    internal const float C0 = -1.26551223f;
    internal const float C1 = 1.00002368f;
    internal const float C2 = 0.37409196f;
    internal const float C3 = 0.09678418f;
    internal const float C4 = -0.18628806f;
    internal const float C5 = 0.27886807f;
    internal const float C6 = -1.13520398f;
    internal const float C7 = 1.48851587f;
    internal const float C8 = -0.82215223f;
    internal const float C9 = 0.17087277f;

    /// <summary>Φ(x), the standard normal CDF; <paramref name="gauss"/> = exp(−x²/2), which the derivative reuses.</summary>
    internal static float NormalCdf(float x, out float gauss)
    {
        var z = XMath.Abs(x) * InvSqrt2;
        var t = 1f / (1f + 0.5f * z);
        var p = C0 + t * (C1 + t * (C2 + t * (C3 + t * (C4 + t * (C5 + t * (C6 + t * (C7 + t * (C8 + t * C9))))))));
        // exp(−x²/2) and exp(P) separately: P ∈ [−1.27, 0] keeps its own exp accurate, and gauss is φ·√(2π).
        gauss = XMath.Exp(-0.5f * x * x);
        var halfErfc = 0.5f * t * gauss * XMath.Exp(p);
        return x >= 0f ? 1f - halfErfc : halfErfc;
    }

    internal static float Gelu(float x) => x * NormalCdf(x, out _);

    /// <summary>gelu'(x) = Φ(x) + x·φ(x).</summary>
    internal static float GeluDerivative(float x)
    {
        var cdf = NormalCdf(x, out var gauss);
        return cdf + x * gauss * InvSqrt2Pi;
    }
}
