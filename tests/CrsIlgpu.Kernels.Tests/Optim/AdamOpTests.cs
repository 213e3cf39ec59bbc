using CrsIlgpu.Kernels.Optim;

namespace CrsIlgpu.Kernels.Tests.Optim;

public class AdamOpTests : DeviceTests
{
    // Tolerances of the multi-step comparisons (fp32 device state vs the reference, which computes
    // each step in double and rounds only the stored p, m, v to fp32). Per step both sides round p
    // (|p| < 2 here, half an ulp ≤ 1.2e-7) and the update lr·m̂/(sqrt(v̂)+eps) (|ratio| ≲ 3, a few
    // fp32 roundings ≈ 1e-6 relative of lr = 1e-2 → ~3e-8); over 5 steps that is < 1e-6, so 2e-6.
    // A formula slip (bias correction, decay, eps placement) moves p by ~lr·0.1 = 1e-3 or more.
    private const double ParamTolerance = 2e-6;

    // m and v: a few fp32 roundings per step, relative 1e-5 plus an absolute floor for values that
    // cancel towards 0 (m: terms ≤ 0.1·|g'| ≈ 0.2, ulp 1.5e-8; v: terms ≤ 1e-3·g'², ulp 2.3e-10).
    private const double MomentRelTolerance = 1e-5;
    private const double FirstMomentAbsTolerance = 1e-7;
    private const double SecondMomentAbsTolerance = 2e-9;

    public static TheoryData<string, AdamDecayMode, int> DevicesModesSizes()
    {
        var data = new TheoryData<string, AdamDecayMode, int>();
        foreach (var device in new[] { "kernels", "cpu" })
            foreach (var mode in new[] { AdamDecayMode.L2, AdamDecayMode.Decoupled })
                foreach (var size in new[] { 1, 7, 33, 1000 })
                    data.Add(device, mode, size);
        return data;
    }

    [Theory]
    [KernelPath]
    [MemberData(nameof(DevicesModesSizes))]
    public void FiveStepsMatchReference(string deviceName, AdamDecayMode mode, int size)
    {
        var device = Device(deviceName);
        // lr and wd well above the usual so each step and the decay move p visibly.
        var hp = new AdamHyperParameters(1e-2, 0.9, 0.999, 1e-8, 0.1, mode);
        var p = TestData.Uniform(size, 10 + size, 2f);
        var m = new float[size]; // torch initializes both moments to zero
        var v = new float[size];

        using var tp = TestData.Tensor(device, p, size);
        using var tg = TestData.Tensor(device, new float[size], size);
        using var tm = TestData.Tensor(device, m, size);
        using var tv = TestData.Tensor(device, v, size);
        for (var step = 1; step <= 5; step++)
        {
            var g = TestData.Uniform(size, 100 * step + size);
            var gradScale = step == 3 ? 0.37f : 1f; // one clipped step
            OptimReference.Adam(p, g, m, v, hp, step, gradScale);
            tg.CopyFrom(g);
            OptimOp.Adam(device, tp, tg, tm, tv, hp, step, gradScale);
            device.Synchronize();

            Closeness.AssertClose(p, tp.ToArray(), ParamTolerance, 0, $"p after step {step}");
            Closeness.AssertClose(m, tm.ToArray(), FirstMomentAbsTolerance, MomentRelTolerance, $"m after step {step}");
            Closeness.AssertClose(v, tv.ToArray(), SecondMomentAbsTolerance, MomentRelTolerance, $"v after step {step}");
            Assert.Equal(g, tg.ToArray()); // the gradient is read only
        }
    }

    // Hand-computed single-parameter cases: p = 1, g = 0.5, m = v = 0, lr = 0.1, β1 = 0.9, β2 = 0.999.
    //  Adam, wd 0, t 1:  m = 0.1·0.5 = 0.05; v = 0.001·0.25 = 2.5e-4; m̂ = 0.05/0.1 = 0.5;
    //                    v̂ = 2.5e-4/0.001 = 0.25; p = 1 − 0.1·0.5/(0.5 + 1e-8) = 0.9 (first step moves lr·sign g).
    //  Adam, wd 0.1:     g' = 0.5 + 0.1·1 = 0.6; m = 0.06; v = 3.6e-4; m̂ = 0.6; v̂ = 0.36; p = 1 − 0.1·0.6/0.6 = 0.9.
    //  AdamW, wd 0.1:    p ← 1 − 0.1·0.1·1 = 0.99; m = 0.05; v = 2.5e-4; p = 0.99 − 0.1 = 0.89.
    //  scale 0.5:        g' = 0.25; m = 0.025; v = 6.25e-5; p = 0.9.
    //  eps 0.5:          p = 1 − 0.1·0.5/(0.5 + 0.5) = 0.95 (eps added to sqrt(v̂), after the bias correction).
    //  two steps, g 0.5: m = 0.9·0.05 + 0.05 = 0.095; v = 0.999·2.5e-4 + 2.5e-4 = 4.9975e-4;
    //                    m̂ = 0.095/(1 − 0.81) = 0.5; v̂ = 4.9975e-4/(1 − 0.998001) = 0.25; p = 0.9 − 0.1 = 0.8.
    //                    (Without bias correction the second step would be 0.1·0.095/sqrt(4.9975e-4) ≈ 0.425.)
    private static readonly (AdamDecayMode Mode, double Wd, float GradScale, double Eps, int Steps, double P, double M, double V)[] HandComputedCases =
    [
        (AdamDecayMode.L2, 0.0, 1f, 1e-8, 1, 0.9, 0.05, 2.5e-4),
        (AdamDecayMode.L2, 0.1, 1f, 1e-8, 1, 0.9, 0.06, 3.6e-4),
        (AdamDecayMode.Decoupled, 0.1, 1f, 1e-8, 1, 0.89, 0.05, 2.5e-4),
        (AdamDecayMode.L2, 0.0, 0.5f, 1e-8, 1, 0.9, 0.025, 6.25e-5),
        (AdamDecayMode.L2, 0.0, 1f, 0.5, 1, 0.95, 0.05, 2.5e-4),
        (AdamDecayMode.L2, 0.0, 1f, 1e-8, 2, 0.8, 0.095, 4.9975e-4),
    ];

    /// <summary>Every hand-computed case on the reference, the ILGPU kernels and the CPU backend.</summary>
    public static TheoryData<string, AdamDecayMode, double, float, double, int, double, double, double> RunnersAndHandComputedCases
    {
        get
        {
            var data = new TheoryData<string, AdamDecayMode, double, float, double, int, double, double, double>();
            foreach (var runner in new[] { "reference", "kernels", "cpu" })
                foreach (var c in HandComputedCases)
                    data.Add(runner, c.Mode, c.Wd, c.GradScale, c.Eps, c.Steps, c.P, c.M, c.V);
            return data;
        }
    }

    [Theory]
    [KernelPath]
    [MemberData(nameof(RunnersAndHandComputedCases))]
    public void HandComputedScalarSteps(
        string runner, AdamDecayMode mode, double wd, float gradScale, double eps, int steps, double expectedP, double expectedM, double expectedV)
    {
        var hp = new AdamHyperParameters(0.1, 0.9, 0.999, eps, wd, mode);
        float[] p = [1f], g = [0.5f], m = [0f], v = [0f];
        if (runner == "reference")
        {
            for (var step = 1; step <= steps; step++)
                OptimReference.Adam(p, g, m, v, hp, step, gradScale);
        }
        else
        {
            var device = Device(runner);
            using var tp = TestData.Tensor(device, p, 1);
            using var tg = TestData.Tensor(device, g, 1);
            using var tm = TestData.Tensor(device, m, 1);
            using var tv = TestData.Tensor(device, v, 1);
            for (var step = 1; step <= steps; step++)
                OptimOp.Adam(device, tp, tg, tm, tv, hp, step, gradScale);
            device.Synchronize();
            (p, m, v) = (tp.ToArray(), tm.ToArray(), tv.ToArray());
        }
        // The kernels use fp32 scalars (0.9 → 0.899999976, 0.001 → 0.00100000005: ≤ 2.4e-7 relative)
        // and fp32 arithmetic (a few roundings of 6e-8): 1e-6 absolute on p (≈ 1) and 1e-5 relative on
        // m and v cover that, and are far inside the separations of the hand values (≥ 0.01 on p,
        // ≥ 20% on m and v), so a wrong formula cannot pass.
        Assert.Equal(expectedP, p[0], 1e-6);
        Assert.Equal(expectedM, m[0], expectedM * 1e-5);
        Assert.Equal(expectedV, v[0], expectedV * 1e-5);
    }

    [Fact]
    public void CpuBackendMatchesReferenceOnParallelVectorAndTailPaths()
    {
        var device = TestAccelerators.CpuBackend;
        const int size = 4 * 32768 + 3; // ≥ 4 chunks → Parallel.For; +3 → scalar tail
        var hp = AdamHyperParameters.AdamW(1e-2, 0.05);
        var p = TestData.Uniform(size, 1);
        var m = new float[size];
        var v = new float[size];
        using var tp = TestData.Tensor(device, p, size);
        using var tg = TestData.Tensor(device, new float[size], size);
        using var tm = TestData.Tensor(device, m, size);
        using var tv = TestData.Tensor(device, v, size);
        for (var step = 1; step <= 2; step++)
        {
            var g = TestData.Uniform(size, 7 + step);
            OptimReference.Adam(p, g, m, v, hp, step, 0.8f);
            tg.CopyFrom(g);
            OptimOp.Adam(device, tp, tg, tm, tv, hp, step, 0.8f);
        }
        Closeness.AssertClose(p, tp.ToArray(), ParamTolerance, 0, "p");
        Closeness.AssertClose(m, tm.ToArray(), FirstMomentAbsTolerance, MomentRelTolerance, "m");
        Closeness.AssertClose(v, tv.ToArray(), SecondMomentAbsTolerance, MomentRelTolerance, "v");
    }

    [Theory]
    [KernelPath]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void ShapeMismatchNamesOpAndShapesBeforeLaunch(int wrong)
    {
        var device = TestAccelerators.Kernels;
        var p0 = TestData.Uniform(6, 1);
        using var p = TestData.Tensor(device, p0, 2, 3);
        using var g = TestData.Tensor(device, new float[6], wrong == 1 ? [3, 2] : [2, 3]);
        using var m = TestData.Tensor(device, new float[6], wrong == 2 ? [3, 2] : [2, 3]);
        using var v = TestData.Tensor(device, new float[6], wrong == 3 ? [6] : [2, 3]);
        Rejects.With(() => OptimOp.Adam(device, p, g, m, v, AdamHyperParameters.Adam(), 1), "adam_update", "[2, 3]", wrong == 3 ? "[6]" : "[3, 2]");
        Assert.Equal(p0, p.ToArray()); // nothing ran
    }

    [Fact]
    public void RejectsStepZeroAndBadHyperParameters()
    {
        var device = TestAccelerators.CpuBackend;
        using var p = TestData.Tensor(device, new float[3], 3);
        using var g = TestData.Tensor(device, new float[3], 3);
        using var m = TestData.Tensor(device, new float[3], 3);
        using var v = TestData.Tensor(device, new float[3], 3);
        Assert.Contains("step", Assert.Throws<ArgumentException>(() => OptimOp.Adam(device, p, g, m, v, AdamHyperParameters.Adam(), 0)).Message);
        Assert.Contains("beta1", Assert.Throws<ArgumentException>(() => OptimOp.Adam(device, p, g, m, v, AdamHyperParameters.Adam(beta1: 1), 1)).Message);
        Assert.Contains("scale", Assert.Throws<ArgumentException>(() => OptimOp.Adam(device, p, g, m, v, AdamHyperParameters.Adam(), 1, float.NaN)).Message);
    }
}
