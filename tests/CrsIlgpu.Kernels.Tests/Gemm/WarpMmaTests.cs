using System.Reflection;
using ILGPU;
using ILGPU.Runtime;

namespace CrsIlgpu.Kernels.Tests.Gemm;

/// <summary>
/// One m16n8k8 mma on one warp: fragments loaded from row-major A (16×8), B (8×8, [k][n]) and C
/// (16×8) exactly as the PTX ISA lays them out, D written back the same way, compared with the
/// TF32 reference. On the CPU accelerator this checks the emulation; with CRS_TEST_DEVICE=cuda the
/// tensor-core instruction. The layout variants load a fragment the way a plausible bug would
/// (the f16 A layout, A's or B's k halves swapped, C's rows swapped): the product must then be wrong,
/// which shows the emulation really depends on which lane holds which element.
/// </summary>
public class WarpMmaTests
{
    /// <summary>0: the documented layout; 1: a1/a2 swapped (f16's A layout, rows g/g+8 on a0,a1 / a2,a3);
    /// 2: b0/b1 swapped; 3: A's lanes transposed (row t, col g); 4: c/d rows g and g+8 swapped.</summary>
    public const int Documented = 0;

    internal static void MmaKernel(ArrayView<float> a, ArrayView<float> b, ArrayView<float> c, ArrayView<float> d, int variant)
    {
        int lane = Group.IdxX;
        int g = lane >> 2;
        int t = lane & 3;
        Quad fa = variant switch
        {
            1 => new Quad(a[g * 8 + t], a[g * 8 + t + 4], a[(g + 8) * 8 + t], a[(g + 8) * 8 + t + 4]),
            3 => new Quad(a[t * 8 + g], a[(t + 8) * 8 + g], a[(t + 4) * 8 + g], a[(t + 12) * 8 + g]),
            _ => new Quad(a[g * 8 + t], a[(g + 8) * 8 + t], a[g * 8 + t + 4], a[(g + 8) * 8 + t + 4]),
        };
        float b0 = variant == 2 ? b[(t + 4) * 8 + g] : b[t * 8 + g];
        float b1 = variant == 2 ? b[t * 8 + g] : b[(t + 4) * 8 + g];
        int r0 = variant == 4 ? g + 8 : g;
        int r1 = variant == 4 ? g : g + 8;
        var fc = new Quad(c[r0 * 8 + 2 * t], c[r0 * 8 + 2 * t + 1], c[r1 * 8 + 2 * t], c[r1 * 8 + 2 * t + 1]);
        Quad fd = WarpMma.Mma(fc, fa, b0, b1);
        d[g * 8 + 2 * t] = fd.X;
        d[g * 8 + 2 * t + 1] = fd.Y;
        d[(g + 8) * 8 + 2 * t] = fd.Z;
        d[(g + 8) * 8 + 2 * t + 1] = fd.W;
    }

    /// <summary>D = tf32(A)·tf32(B) + C in double.</summary>
    private static float[] Reference(float[] a, float[] b, float[] c)
    {
        var d = new float[16 * 8];
        for (int i = 0; i < 16; i++)
        {
            for (int j = 0; j < 8; j++)
            {
                double s = c[i * 8 + j];
                for (int k = 0; k < 8; k++)
                    s += (double)Tf32.Round(a[i * 8 + k]) * Tf32.Round(b[k * 8 + j]);
                d[i * 8 + j] = (float)s;
            }
        }
        return d;
    }

    private static readonly Lazy<Action<KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int>> MmaLauncher =
        new(() => TestAccelerators.Accelerator.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int>(MmaKernel));

    private static float[] Run(float[] a, float[] b, float[] c, int variant)
    {
        var accelerator = TestAccelerators.Accelerator;
        // A test-only kernel: loaded on the accelerator directly (the device's cache takes catalogued kernels only).
        var kernel = MmaLauncher.Value;
        // The kernel hands A and B to the mma as they are: round them here, as the GEMM rounds its shared tiles.
        var ra = a.Select(Tf32.Round).ToArray();
        var rb = b.Select(Tf32.Round).ToArray();
        using var da = accelerator.Allocate1D(ra);
        using var db = accelerator.Allocate1D(rb);
        using var dc = accelerator.Allocate1D(c);
        using var dd = accelerator.Allocate1D<float>(16 * 8);
        kernel(new KernelConfig(1, 32), da.View, db.View, dc.View, dd.View, variant);
        accelerator.Synchronize();
        return dd.GetAsArray1D();
    }

    /// <summary>
    /// Tolerance: products of TF32 values are exact in fp32; the 9 fp32 additions (8 products and
    /// C) in any order add at most 9 roundings of 2^-24 relative to the sum of |terms|.
    /// </summary>
    private static double Tolerance(float[] a, float[] b, float[] c) =>
        16 * Math.Pow(2, -24) * (8 * a.Max(Math.Abs) * b.Max(Math.Abs) + c.Max(Math.Abs));

    [Fact]
    [KernelPath]
    public void DocumentedFragmentLayoutGivesTheProduct()
    {
        var a = GemmTestData.Random(16 * 8, seed: 1);
        var b = GemmTestData.Random(8 * 8, seed: 2);
        var c = GemmTestData.Random(16 * 8, seed: 3);
        var expected = Reference(a, b, c);
        var actual = Run(a, b, c, Documented);
        double tol = Tolerance(a, b, c);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tol, $"D[{i / 8},{i % 8}] expected {expected[i]} got {actual[i]} (tol {tol:g3})");
    }

    [Fact]
    [KernelPath]
    public void IndexMatricesLandWhereTheLayoutSays()
    {
        // A = row index one-hot sums, B = identity: D = A·I + 0 = A's first 8 columns, element by element.
        var a = Enumerable.Range(0, 16 * 8).Select(i => (float)i).ToArray();
        var b = Enumerable.Range(0, 8 * 8).Select(i => i / 8 == i % 8 ? 1f : 0f).ToArray();
        var c = new float[16 * 8];
        Assert.Equal(a, Run(a, b, c, Documented));
    }

    [Theory]
    [KernelPath]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void WrongFragmentLayoutGivesAWrongProduct(int variant)
    {
        var a = GemmTestData.Random(16 * 8, seed: 1);
        var b = GemmTestData.Random(8 * 8, seed: 2);
        var c = GemmTestData.Random(16 * 8, seed: 3);
        var expected = Reference(a, b, c);
        var actual = Run(a, b, c, variant);
        double tol = Tolerance(a, b, c);
        int wrong = expected.Zip(actual).Count(p => !(Math.Abs(p.First - p.Second) <= tol));
        // Every variant misplaces at least half of the fragment's elements.
        Assert.True(wrong >= 64, $"variant {variant}: only {wrong} of 128 outputs differ from the product");
    }

    [Theory]
    [InlineData(1.0f, 1.0f)]
    [InlineData(1.00048828125f, 1.0009765625f)]      // 1 + 2^-11: a tie (half of 2^-10), away from zero
    [InlineData(1.000732421875f, 1.0009765625f)]     // 1 + 1.5·2^-11: above the tie
    [InlineData(1.0004882f, 1.0f)]                   // just below the tie
    [InlineData(-1.00048828125f, -1.0009765625f)]    // a negative tie: away from zero
    [InlineData(-1.000732421875f, -1.0009765625f)]
    [InlineData(float.MaxValue, float.PositiveInfinity)]
    [InlineData(float.PositiveInfinity, float.PositiveInfinity)]
    [InlineData(3.0f, 3.0f)]
    public void RoundIsNearestTiesAwayWithTenMantissaBits(float x, float expected)
    {
        Assert.Equal(expected, Tf32.Round(x));
        Assert.Equal(0u, BitConverter.SingleToUInt32Bits(Tf32.Round(x)) & 0x1FFFu);
    }

    [Fact]
    public void PtxRunsTheTensorCoreInstructionNotTheEmulation()
    {
        // CudaAsm.IsSupported is a constant per backend: ILGPU compiles both branches but guards the
        // emulation with a constant-false path (mov.pred %p, 1 and a branch around it) that ptxas drops;
        // what can run holds the mma and none of the emulation's shuffles.
        using var compiler = new PtxCompiler();
        var entry = new KernelEntry("test_warp_mma", "Test", typeof(WarpMmaTests).GetMethod(nameof(MmaKernel),
            BindingFlags.Static | BindingFlags.NonPublic)!, KernelGrouping.Explicit, "");
        string ptx = compiler.Compile(entry, 80);
        string live = GemmTf32PtxTests.LiveCode(ptx);
        Assert.Contains("mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32", live);
        Assert.Contains("shfl", ptx);
        Assert.DoesNotContain("shfl", live);
    }

    [Fact]
    public void RoundKeepsNaN() => Assert.True(float.IsNaN(Tf32.Round(float.NaN)));
}

/// <summary>
/// The GEMM's emulation of a whole K-step (4 shuffles gather all 16 tiles' operands through the
/// 4-lane groups) against 16 single-mma emulations (12 direct shuffles each): bit for bit equal on
/// random fragments, so the cheaper gather puts every fragment where the direct one does.
/// </summary>
public class MmaAccumulatorTests
{
    private static readonly Lazy<Action<KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>>> StepLauncher =
        new(() => TestAccelerators.Accelerator.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>>(StepKernel));

    internal static void StepKernel(ArrayView<float> fragments, ArrayView<float> byStep, ArrayView<float> oneByOne)
    {
        int lane = Group.IdxX;
        // Per lane: 16 A floats, 8 B floats, 64 C floats.
        int f = lane * 88;
        var acc = new MmaAccumulator(
            Q(fragments, f + 24), Q(fragments, f + 28), Q(fragments, f + 32), Q(fragments, f + 36),
            Q(fragments, f + 40), Q(fragments, f + 44), Q(fragments, f + 48), Q(fragments, f + 52),
            Q(fragments, f + 56), Q(fragments, f + 60), Q(fragments, f + 64), Q(fragments, f + 68),
            Q(fragments, f + 72), Q(fragments, f + 76), Q(fragments, f + 80), Q(fragments, f + 84));
        var step = acc.Step(Q(fragments, f), Q(fragments, f + 4), Q(fragments, f + 8), Q(fragments, f + 12),
            fragments[f + 16], fragments[f + 17], fragments[f + 18], fragments[f + 19],
            fragments[f + 20], fragments[f + 21], fragments[f + 22], fragments[f + 23]);
        var single = acc.StepOneByOne(Q(fragments, f), Q(fragments, f + 4), Q(fragments, f + 8), Q(fragments, f + 12),
            fragments[f + 16], fragments[f + 17], fragments[f + 18], fragments[f + 19],
            fragments[f + 20], fragments[f + 21], fragments[f + 22], fragments[f + 23]);
        Write(byStep, lane * 64, step);
        Write(oneByOne, lane * 64, single);
    }

    private static Quad Q(ArrayView<float> x, int i) => new(x[i], x[i + 1], x[i + 2], x[i + 3]);

    private static void Write(ArrayView<float> o, int at, MmaAccumulator acc)
    {
        W(o, at, acc.T00); W(o, at + 4, acc.T01); W(o, at + 8, acc.T02); W(o, at + 12, acc.T03);
        W(o, at + 16, acc.T10); W(o, at + 20, acc.T11); W(o, at + 24, acc.T12); W(o, at + 28, acc.T13);
        W(o, at + 32, acc.T20); W(o, at + 36, acc.T21); W(o, at + 40, acc.T22); W(o, at + 44, acc.T23);
        W(o, at + 48, acc.T30); W(o, at + 52, acc.T31); W(o, at + 56, acc.T32); W(o, at + 60, acc.T33);
    }

    private static void W(ArrayView<float> o, int at, Quad q)
    {
        o[at] = q.X;
        o[at + 1] = q.Y;
        o[at + 2] = q.Z;
        o[at + 3] = q.W;
    }

    [Fact]
    [KernelPath]
    public void StepEmulationEqualsSixteenSingleMmaBitForBit()
    {
        var accelerator = TestAccelerators.Accelerator;
        var kernel = StepLauncher.Value;
        var fragments = GemmTestData.Random(32 * 88, seed: 5).Select(Tf32.Round).ToArray();
        using var df = accelerator.Allocate1D(fragments);
        using var d1 = accelerator.Allocate1D<float>(32 * 64);
        using var d2 = accelerator.Allocate1D<float>(32 * 64);
        kernel(new KernelConfig(1, 32), df.View, d1.View, d2.View);
        accelerator.Synchronize();
        var step = d1.GetAsArray1D();
        var single = d2.GetAsArray1D();
        Assert.Contains(step, v => v != 0f);
        Assert.Equal(single.Select(BitConverter.SingleToUInt32Bits), step.Select(BitConverter.SingleToUInt32Bits));
    }
}
