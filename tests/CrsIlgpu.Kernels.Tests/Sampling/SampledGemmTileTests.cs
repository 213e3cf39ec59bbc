using CrsIlgpu.Kernels.Runtime.Memory;
using ILGPU;
using ILGPU.Runtime;
using static CrsIlgpu.Kernels.Tests.Sampling.SampledGemmTestData;

namespace CrsIlgpu.Kernels.Tests.Sampling;

/// <summary>
/// The sampled GEMM's two GPU shapes beyond the 64×64 tile: split-K over the samples (partials
/// reduced in split order, the dense GEMM's rule with K = the sample count) and the dense 128×128
/// tile with the sample gather in its loads. Rules at the ViT shapes, the kernels forced and through
/// the op against <see cref="SampledGemmReference"/> on the CPU accelerator, and identical bytes on
/// two runs.
/// </summary>
public class SampledGemmTileTests
{
    /// <summary>
    /// vit-cifar-tiny b128 (N = 8,320 token rows) and vit-b16 b64 (12,608) weight gradients at ρ = 0.3
    /// (k = ⌊0.3·N⌋ = 2,496 / 3,782) on the 132-SM test accelerator: the groups each launch gets.
    /// </summary>
    [Theory]
    [KernelPath]
    [InlineData(192, 192, 2496, 9, "sampled_gemm_tn_gather", 81L)]          // tiny proj: 9 tiles × 9 K groups (⌊2496/256⌋)
    [InlineData(576, 192, 2496, 9, "sampled_gemm_tn_gather", 243L)]         // tiny qkv: 27 tiles × 9
    [InlineData(768, 192, 2496, 9, "sampled_gemm_tn_gather", 324L)]         // tiny fc1: 36 tiles × 9 (wanted 15, capped by K)
    [InlineData(768, 768, 3782, 4, "sampled_gemm_tn_gather", 576L)]         // b16 proj: 144 tiles × 4
    [InlineData(2304, 768, 3782, 2, "sampled_gemm_tn_gather", 864L)]        // b16 qkv: 108 large tiles (< 128), so 432 small × 2
    [InlineData(3072, 768, 3782, 1, "sampled_gemm_tn_gather_128", 144L)]    // b16 fc1: 144 tiles of 128×128, no split
    [InlineData(192, 192, 300, 1, "sampled_gemm_tn_gather", 9L)]            // short k: no split
    public void RuleAtVitWeightGradients(int m, int n, int k, int splits, string kernel, long groups)
    {
        var p = SampledGemmProblem.Create(SampledGemmForm.Gather, m, n, k, rows: 12608);
        var device = TestAccelerators.Kernels;
        Assert.Equal(splits, SampledGemmOp.SplitKFor(device, p));
        Assert.Equal((kernel, groups, splits), SampledGemmOp.LaunchShape(device, p));
        // The C# CPU backend runs neither.
        Assert.Equal((SampledGemmKernels.GatherName, 0L, 1), SampledGemmOp.LaunchShape(TestAccelerators.CpuBackend, p));
    }

    /// <summary>Attention's batched sampled GEMMs (dV, dK over query rows) have enough tiles: no split.</summary>
    [Fact]
    [KernelPath]
    public void AttentionProblemsDoNotSplit()
    {
        // vit-cifar-tiny b128: 384 (batch, head) problems of 65 × 64 over k = 19 of 65 rows.
        var p = SampledGemmProblem.Create(SampledGemmForm.Gather, 65, 64, 19, 65, batch: 384);
        Assert.Equal(1, SampledGemmOp.SplitKFor(TestAccelerators.Kernels, p));
        Assert.Equal(("sampled_gemm_tn_gather", 768L, 1), SampledGemmOp.LaunchShape(TestAccelerators.Kernels, p));
    }

    public static TheoryData<SampledGemmForm, int, int, int, int, int> SplitCases() => new()
    {
        { SampledGemmForm.Gather, 70, 9, 300, 611, 3 },      // two row tiles; k not a multiple of 8 or of the split
        { SampledGemmForm.Gather, 33, 65, 40, 37, 5 },       // the last slice holds 5 samples
        { SampledGemmForm.PreSampled, 70, 66, 120, 260, 4 },
        { SampledGemmForm.PreSampled, 5, 7, 13, 17, 2 },
    };

    /// <summary>The split kernels forced, batched with padded strides and alpha, against the reference.</summary>
    [Theory]
    [KernelPath]
    [MemberData(nameof(SplitCases))]
    public void ForcedSplitMatchesReference(SampledGemmForm form, int m, int n, int rows, int k, int splits)
    {
        const int batch = 2;
        var p = Padded(form, m, n, k, rows, batch) with { Alpha = 1.5f };
        var (a, b, idx, scales) = Inputs(p, seed: m + n + k);
        var expected = Expected(p, a, b, idx, scales);

        using var dw = TestAccelerators.Accelerator.Allocate1D<float>(SampledGemmKernels.WorkspaceLength(p, splits));
        var actual = RunForced(p, a, b, idx, scales, (da, db, di, ds, dc) =>
        {
            SampledGemmKernels.LaunchSplitK(TestAccelerators.Kernels, p, da, db, di, ds, dc, dw.View, splits);
            // A split the workspace was not sized for is refused before anything launches.
            Assert.Throws<ArgumentException>(() => SampledGemmKernels.LaunchSplitK(TestAccelerators.Kernels, p, da, db, di, ds, dc, dw.View, splits + 1));
        });
        AssertBatches(p, a, b, idx, scales, expected, actual);
    }

    public static TheoryData<SampledGemmForm, int, int, int, int, int> LargeCases() => new()
    {
        { SampledGemmForm.Gather, 128, 256, 40, 21, 1 },     // aligned: 128-bit loads and stores
        { SampledGemmForm.Gather, 130, 129, 50, 37, 1 },     // ragged tiles, odd leading dimensions: scalar path
        { SampledGemmForm.Gather, 136, 132, 30, 17, 2 },     // batched, padded strides (multiples of 4)
        { SampledGemmForm.PreSampled, 128, 132, 40, 19, 1 },
        { SampledGemmForm.PreSampled, 129, 130, 50, 9, 2 },
    };

    /// <summary>The 128×128 sampled kernels forced, with an out-of-range index among the samples, against the reference.</summary>
    [Theory]
    [KernelPath]
    [MemberData(nameof(LargeCases))]
    public void LargeTileMatchesReference(SampledGemmForm form, int m, int n, int rows, int k, int batch)
    {
        var p = batch == 1 ? SampledGemmProblem.Create(form, m, n, k, rows) : Padded(form, m, n, k, rows, batch);
        var (a, b, idx, scales) = Inputs(p, seed: 7 * m + n);
        idx[k / 2] = rows; // skipped by kernel and reference alike
        var expected = Expected(p, a, b, idx, scales);
        var actual = RunForced(p, a, b, idx, scales, (da, db, di, ds, dc) => SampledGemmLargeKernels.Launch(TestAccelerators.Kernels, p, da, db, di, ds, dc));
        AssertBatches(p, a, b, idx, scales, expected, actual);
    }

    /// <summary>Through the op: a long sample count splits (and gives the same bytes twice); 128 tiles of 128×128 take the large kernel.</summary>
    [Fact]
    [KernelPath]
    public void OpSplitsLongSampleCountsDeterministically()
    {
        var p = SampledGemmProblem.Create(SampledGemmForm.Gather, 33, 20, 520, 600);
        Assert.Equal(2, SampledGemmOp.SplitKFor(TestAccelerators.Kernels, p));
        var (a, b, idx, scales) = Inputs(p, seed: 3);
        var expected = Expected(p, a, b, idx, scales);
        var first = RunOp(p, a, b, idx, scales);
        AssertClose(p, a, b, idx, scales, expected, first);
        var second = RunOp(p, a, b, idx, scales);
        Assert.Equal(first.Select(BitConverter.SingleToUInt32Bits), second.Select(BitConverter.SingleToUInt32Bits));
    }

    /// <summary>The profiler records each launch's groups: what `crs profile` prints per kernel.</summary>
    [Fact]
    [KernelPath]
    public void ProfilerRecordsGroupsPerLaunch()
    {
        using var device = TestDevices.Create("kernels");
        var p = SampledGemmProblem.Create(SampledGemmForm.Gather, 70, 20, 520, 600);
        var (a, b, idx, scales) = Inputs(p, seed: 4);
        using var ta = TestData.Tensor(device, a, a.Length);
        using var tb = TestData.Tensor(device, b, b.Length);
        using var ti = IndexTensor(device, idx);
        using var ts = TestData.Tensor(device, scales, scales.Length);
        using var tc = TestData.Tensor(device, new float[p.M * p.N], p.M, p.N);
        device.Profiler.Enabled = true;
        SampledGemmOp.Run(device, p, ta, tb, ti, ts, tc);
        var dense = GemmProblem.Create(GemmLayout.TN, p.M, p.N, 13);
        using var da = TestData.Tensor(device, a[..(13 * p.M)], 13 * p.M);
        using var db = TestData.Tensor(device, b[..(13 * p.N)], 13 * p.N);
        using var dc = TestData.Tensor(device, new float[dense.M * dense.N], dense.M, dense.N);
        GemmOp.Run(device, dense, da, db, dc);
        // 2 row tiles × 2 K groups, the reduce (auto-grouped: not declared), then one 64×64 launch of 2 tiles.
        Assert.Equal(
            [(SampledGemmKernels.GatherName, 4L), (GemmSplitKKernels.ReduceName, 0L), ("gemm_tn", 2L)],
            device.Profiler.Launches.Select(l => (l.Kernel, l.Groups)));
    }

    [Fact]
    [KernelPath]
    public void OpRunsTheLargeTileWhenTheRuleSaysSo()
    {
        // 128 problems of 128 × 128: 128 tiles of 128×128, the large kernel (attention-like batch, k = 3 of 5 rows).
        var p = SampledGemmProblem.Create(SampledGemmForm.Gather, 128, 128, 3, 5, batch: 128);
        Assert.Equal((SampledGemmLargeKernels.GatherName, 128L, 1), SampledGemmOp.LaunchShape(TestAccelerators.Kernels, p));
        var (a, b, idx, scales) = Inputs(p, seed: 11);
        var expected = Expected(p, a, b, idx, scales);
        AssertBatches(p, a, b, idx, scales, expected, RunOp(p, a, b, idx, scales));
    }

    private static DeviceContext Tf32Device() =>
        TestDevices.CreateKernels(new DeviceOptions { Profile = true, MatmulPrecision = MatmulPrecision.Tf32 });

    /// <summary>
    /// Under <see cref="MatmulPrecision.Tf32"/> the sampled GEMM runs the TF32 kernel as every dense GEMM
    /// does: inputs 1 + 2⁻¹² (TF32 rounds them to 1) and scale 2 over 24 samples give exactly 48
    /// (fp32 would give ≈ 48.023), even where the rule would split in fp32.
    /// </summary>
    [Theory]
    [KernelPath]
    [InlineData(SampledGemmForm.Gather)]
    [InlineData(SampledGemmForm.PreSampled)]
    public void Tf32DeviceRunsTheTensorCoreSampledKernel(SampledGemmForm form)
    {
        using var device = Tf32Device();
        var p = SampledGemmProblem.Create(form, 20, 12, 24, 30);
        float x = 1f + MathF.Pow(2, -12);
        float scale = form == SampledGemmForm.Gather ? 2f : 1f;
        float bValue = form == SampledGemmForm.Gather ? x : 2f * x; // pre-sampled B holds scale · X
        using var a = TestData.Tensor(device, Enumerable.Repeat(x, p.Rows * p.M).ToArray(), p.Rows * p.M);
        using var b = TestData.Tensor(device, Enumerable.Repeat(bValue, p.RowsB * p.N).ToArray(), p.RowsB * p.N);
        using var idx = IndexTensor(device, Indices(p.K, p.Rows, 5));
        using var scales = TestData.Tensor(device, Enumerable.Repeat(scale, p.K).ToArray(), p.K);
        using var c = TestData.Tensor(device, new float[p.M * p.N], p.M, p.N);
        SampledGemmOp.Run(device, p, a, b, idx, scales, c);
        device.Synchronize();
        Assert.All(c.ToArray(), v => Assert.Equal(48f, v));
        Assert.Equal(SampledGemmLargeKernels.NameFor(form, MatmulPrecision.Tf32), Assert.Single(device.Profiler.Launches).Kernel);
        var longK = SampledGemmProblem.Create(form, 192, 192, 2496, 8320);
        Assert.Equal((SampledGemmLargeKernels.NameFor(form, MatmulPrecision.Tf32), 4L, 1), SampledGemmOp.LaunchShape(device, longK));
    }

    /// <summary>
    /// TF32 sampled kernels at ragged, batched, padded shapes against the fp32 reference. Bound per element:
    /// (2u + u²)·Σ|scale·a·b| for the TF32 rounding of both factors (u = 2⁻¹¹, a 10-bit mantissa; the scale is
    /// applied before the rounding) plus the fp32 sum bound (K + 2)·2⁻²⁴·Σ|scale·a·b|. Some element must miss
    /// the fp32 bound alone: the inputs really were rounded.
    /// </summary>
    [Theory]
    [KernelPath]
    [InlineData(SampledGemmForm.Gather, 130, 70, 50, 37, 2)]
    [InlineData(SampledGemmForm.PreSampled, 65, 129, 40, 21, 1)]
    public void Tf32SampledKernelMatchesReferenceWithinTf32Rounding(SampledGemmForm form, int m, int n, int rows, int k, int batch)
    {
        using var device = Tf32Device();
        var p = batch == 1 ? SampledGemmProblem.Create(form, m, n, k, rows) : Padded(form, m, n, k, rows, batch);
        var (a, b, idx, scales) = Inputs(p, seed: m * n);
        var expected = Expected(p, a, b, idx, scales);
        var actual = RunOp(p, a, b, idx, scales, device);

        var absSum = new float[expected.Length];
        SampledGemmReference.Run(p, a.Select(Math.Abs).ToArray(), b.Select(Math.Abs).ToArray(), idx, scales.Select(Math.Abs).ToArray(), absSum);
        double u = Math.Pow(2, -11);
        double fp32 = (k + 2) * Math.Pow(2, -24) * 1.01;
        double tf32 = (2 * u + u * u) * 1.001;
        bool beyondFp32 = false;
        for (var batchIndex = 0; batchIndex < p.Batch; batchIndex++)
        {
            for (var e = 0; e < m * n; e++)
            {
                long i = batchIndex * p.StrideC + e;
                double error = Math.Abs((double)actual[i] - expected[i]);
                Assert.True(error <= (tf32 + fp32) * absSum[i] + 1e-30, $"element {i}: expected {expected[i]}, got {actual[i]} (error {error:E2}; {p})");
                beyondFp32 |= error > fp32 * absSum[i];
            }
        }
        Assert.True(beyondFp32, "every element within the fp32 bound: the TF32 rounding did not happen");
    }

    [Fact]
    public void PlanCountsTheSplitWorkspace()
    {
        using var planner = DeviceContext.CreatePlanner();
        var p = SampledGemmProblem.Create(SampledGemmForm.Gather, 192, 192, 2496, 8320);
        using var g = new Tensor(planner.Pool, MemoryTag.Activations, "g", 8320, 192);
        using var x = new Tensor(planner.Pool, MemoryTag.Activations, "x", 8320, 192);
        using var idx = new IntTensor(planner.Pool, 2496, MemoryTag.Workspace, "idx");
        using var s = new Tensor(planner.Pool, MemoryTag.Workspace, "s", 2496);
        using var dw = new Tensor(planner.Pool, MemoryTag.Gradients, "dw", 192, 192);
        planner.Pool.ResetPeak();
        long before = planner.Pool.LiveBytes(MemoryTag.Workspace);
        SampledGemmOp.Gather(planner, g, x, idx, s, dw);
        Assert.Equal(before + 4L * 9 * 192 * 192, planner.Pool.PeakBytes(MemoryTag.Workspace));
        Assert.Equal(before, planner.Pool.LiveBytes(MemoryTag.Workspace));
    }

    /// <summary>Batch entries at padded strides (+4 floats each, so 16-byte alignment is kept when M and N allow it).</summary>
    private static SampledGemmProblem Padded(SampledGemmForm form, int m, int n, int k, int rows, int batch)
    {
        var p = SampledGemmProblem.Create(form, m, n, k, rows, batch);
        return p with { StrideA = p.StrideA + 4, StrideB = p.StrideB + 4, StrideC = p.StrideC + 4, StrideSamples = p.StrideSamples + 3 };
    }

    private static int Length(long stride, long elements, int batch) => checked((int)((batch - 1) * stride + elements));

    private static (float[] A, float[] B, int[] Indices, float[] Scales) Inputs(SampledGemmProblem p, int seed)
    {
        var a = TestData.Uniform(Length(p.StrideA, (long)p.Rows * p.M, p.Batch), seed);
        var b = TestData.Uniform(Length(p.StrideB, (long)p.RowsB * p.N, p.Batch), seed + 1);
        int samples = Length(p.StrideSamples, p.K, p.Batch);
        return (a, b, Indices(samples, p.Rows, seed + 2), Scales(samples, seed + 3));
    }

    private static float[] Expected(SampledGemmProblem p, float[] a, float[] b, int[] idx, float[] scales)
    {
        var c = Enumerable.Repeat(float.NaN, Length(p.StrideC, (long)p.M * p.N, p.Batch)).ToArray();
        SampledGemmReference.Run(p, a, b, idx, scales, c);
        return c;
    }

    /// <summary>Each batch entry's M × N block within the error bound; the padding between entries is not written.</summary>
    private static void AssertBatches(SampledGemmProblem p, float[] a, float[] b, int[] idx, float[] scales, float[] expected, float[] actual)
    {
        int mn = p.M * p.N;
        for (var batch = 0; batch < p.Batch; batch++)
        {
            var one = p with { Batch = 1 };
            float[] Slice(float[] x, long stride, long length) => x.AsSpan((int)(batch * stride), (int)length).ToArray();
            AssertClose(one, Slice(a, p.StrideA, (long)p.Rows * p.M), Slice(b, p.StrideB, (long)p.RowsB * p.N),
                idx.AsSpan((int)(batch * p.StrideSamples), p.K).ToArray(), Slice(scales, p.StrideSamples, p.K),
                Slice(expected, p.StrideC, mn), Slice(actual, p.StrideC, mn));
            for (long e = batch * p.StrideC + mn; e < Math.Min(actual.Length, (batch + 1) * p.StrideC); e++)
                Assert.True(float.IsNaN(actual[e]), $"padding element {e} was written");
        }
    }

    private delegate void KernelLaunch(ArrayView<float> a, ArrayView<float> b, ArrayView<int> idx, ArrayView<float> scales, ArrayView<float> c);

    /// <summary>C after a kernel launched directly on the test accelerator: the operands uploaded, C filled with NaN first.</summary>
    private static float[] RunForced(SampledGemmProblem p, float[] a, float[] b, int[] idx, float[] scales, KernelLaunch launch)
    {
        var accelerator = TestAccelerators.Accelerator;
        using var da = accelerator.Allocate1D(a);
        using var db = accelerator.Allocate1D(b);
        using var di = accelerator.Allocate1D(idx);
        using var ds = accelerator.Allocate1D(scales);
        using var dc = accelerator.Allocate1D(Enumerable.Repeat(float.NaN, Length(p.StrideC, (long)p.M * p.N, p.Batch)).ToArray());
        launch(da.View, db.View, di.View, ds.View, dc.View);
        accelerator.Synchronize();
        return dc.GetAsArray1D();
    }

    private static float[] RunOp(SampledGemmProblem p, float[] a, float[] b, int[] idx, float[] scales, DeviceContext? on = null)
    {
        var device = on ?? TestAccelerators.Kernels;
        using var ta = TestData.Tensor(device, a, a.Length);
        using var tb = TestData.Tensor(device, b, b.Length);
        using var ti = IndexTensor(device, idx);
        using var ts = TestData.Tensor(device, scales, scales.Length);
        using var tc = TestData.Tensor(device, new float[Length(p.StrideC, (long)p.M * p.N, p.Batch)], Length(p.StrideC, (long)p.M * p.N, p.Batch));
        SampledGemmOp.Run(device, p, ta, tb, ti, ts, tc);
        device.Synchronize();
        return tc.ToArray();
    }
}
