using CrsIlgpu.Kernels.Gemm;
using System.Reflection;
using System.Runtime.CompilerServices;
using ILGPU.Runtime;
using LargeSampledGemmLauncher = System.Action<
    ILGPU.KernelConfig,
    ILGPU.ArrayView<float>, ILGPU.ArrayView<float>, ILGPU.ArrayView<float>,
    ILGPU.ArrayView<int>, ILGPU.ArrayView<float>,
    CrsIlgpu.Kernels.Sampling.SampledGemmProblem, int>;

namespace CrsIlgpu.Kernels.Sampling;

/// <summary>
/// The sampled TN GEMM on the dense GEMMs' 128×128 tiles, with K running over the samples — each
/// thread reads its sample's index (and scale) once per K-step for both operands, and the scale is
/// applied to the A quad before it enters shared memory; everything else is the dense loop.
/// SIMT fp32 (<c>_128</c>, the loop of <see cref="GemmLargeKernels"/>): chosen by the dense tile
/// rule (<see cref="GemmKernels.ChooseTile"/> on <see cref="SampledGemmProblem.AsGemm"/>), problems
/// with at least 128 such tiles, where no K split is needed. TF32 mma (<c>_tf32</c>, the loop of
/// <see cref="GemmTf32Kernels"/>): every sampled GEMM under <see cref="MatmulPrecision.Tf32"/>, as
/// every dense one. Grid: x = column tiles, y = row tiles, z = batch entry.
/// </summary>
public static class SampledGemmLargeKernels
{
    public const string GatherName = SampledGemmKernels.GatherName + "_128";
    public const string PreSampledName = SampledGemmKernels.PreSampledName + "_128";
    public const string GatherTf32Name = SampledGemmKernels.GatherName + "_tf32";
    public const string PreSampledTf32Name = SampledGemmKernels.PreSampledName + "_tf32";

    public static IReadOnlyList<KernelEntry> Catalog { get; } =
    [
        new(GatherName, "Sampling", MethodFor(SampledGemmForm.Gather), KernelGrouping.Explicit,
            "sampled TN GEMM Σ scale_t·A[idx_t]ᵀB[idx_t] on the 128×128×8 tile (8×8 per thread, 128-bit loads, double-buffered), batched over grid z"),
        new(PreSampledName, "Sampling", MethodFor(SampledGemmForm.PreSampled), KernelGrouping.Explicit,
            "sampled TN GEMM Σ A[idx_t]ᵀB_s[t] (B pre-sampled and scaled) on the 128×128×8 tile, batched over grid z"),
        new(GatherTf32Name, "Sampling", MethodFor(SampledGemmForm.Gather, MatmulPrecision.Tf32), KernelGrouping.Explicit,
            "sampled TN GEMM Σ scale_t·A[idx_t]ᵀB[idx_t] on TF32 tensor cores (mma.sync m16n8k8, FP32 accumulate, 128×128×8 tiles), batched over grid z"),
        new(PreSampledTf32Name, "Sampling", MethodFor(SampledGemmForm.PreSampled, MatmulPrecision.Tf32), KernelGrouping.Explicit,
            "sampled TN GEMM Σ A[idx_t]ᵀB_s[t] (B pre-sampled and scaled) on TF32 tensor cores, batched over grid z"),
    ];

    public static string NameFor(SampledGemmForm form, MatmulPrecision precision = MatmulPrecision.Fp32) => (form, precision) switch
    {
        (SampledGemmForm.Gather, MatmulPrecision.Tf32) => GatherTf32Name,
        (_, MatmulPrecision.Tf32) => PreSampledTf32Name,
        (SampledGemmForm.Gather, _) => GatherName,
        _ => PreSampledName,
    };

    public static MethodInfo MethodFor(SampledGemmForm form, MatmulPrecision precision = MatmulPrecision.Fp32)
    {
        string name = (form == SampledGemmForm.Gather ? "SampledGemmTnGather" : "SampledGemmTnPreSampled")
            + (precision == MatmulPrecision.Tf32 ? "Tf32" : "128");
        return typeof(SampledGemmLargeKernels).GetMethod(name, BindingFlags.Public | BindingFlags.Static)
            ?? throw new InvalidOperationException($"kernel method {name} not found");
    }

    /// <summary>One group per 128×128 tile of C, z = batch entry (256 threads: 16×16 for SIMT, 8 warps for TF32).</summary>
    public static KernelConfig ConfigFor(SampledGemmProblem p, MatmulPrecision precision = MatmulPrecision.Fp32) =>
        precision == MatmulPrecision.Tf32 ? GemmTf32Kernels.ConfigFor(p.AsGemm()) : GemmLargeKernels.ConfigFor(p.AsGemm());

    /// <summary>
    /// Validates and enqueues the kernel; does not synchronize. 128-bit access per operand as the
    /// dense kernel decides it (<see cref="GemmLargeKernels.VectorFlags"/>: view offset, leading
    /// dimension and batch stride multiples of 4). Indices are not range-checked (the kernel skips
    /// any outside [0, Rows)).
    /// </summary>
    public static void Launch(
        DeviceContext device, SampledGemmProblem p,
        ArrayView<float> a, ArrayView<float> b, ArrayView<int> indices, ArrayView<float> scales, ArrayView<float> c,
        MatmulPrecision precision = MatmulPrecision.Fp32)
    {
        ArgumentNullException.ThrowIfNull(device);
        p.Validate(a.Length, b.Length, c.Length, indices.Length, scales.Length);
        KernelConfig config = ConfigFor(p, precision);
        string name = NameFor(p.Form, precision);
        GridLimit.Check(config, name, p.M, p.Batch);
        int flags = GemmLargeKernels.VectorFlags(p.AsGemm(), a, b, c);
        LargeSampledGemmLauncher launcher = (p.Form, precision) switch
        {
            (SampledGemmForm.Gather, MatmulPrecision.Tf32) => device.Kernel(name, acc => acc.LoadStreamKernel<
                ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<int>, ArrayView<float>, SampledGemmProblem, int>(SampledGemmTnGatherTf32)),
            (_, MatmulPrecision.Tf32) => device.Kernel(name, acc => acc.LoadStreamKernel<
                ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<int>, ArrayView<float>, SampledGemmProblem, int>(SampledGemmTnPreSampledTf32)),
            (SampledGemmForm.Gather, _) => device.Kernel(name, acc => acc.LoadStreamKernel<
                ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<int>, ArrayView<float>, SampledGemmProblem, int>(SampledGemmTnGather128)),
            _ => device.Kernel(name, acc => acc.LoadStreamKernel<
                ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<int>, ArrayView<float>, SampledGemmProblem, int>(SampledGemmTnPreSampled128)),
        };
        launcher(config, a, b, c, indices, scales, p, flags);
    }

    /// <summary>Form (a)/(c) on the 128×128 tile.</summary>
    public static void SampledGemmTnGather128(
        ArrayView<float> a, ArrayView<float> b, ArrayView<float> c, ArrayView<int> indices, ArrayView<float> scales, SampledGemmProblem p, int vector) =>
        Tile(a, b, c, indices, scales, p, vector, tf32: false, gathered: true);

    /// <summary>Form (b) on the 128×128 tile.</summary>
    public static void SampledGemmTnPreSampled128(
        ArrayView<float> a, ArrayView<float> b, ArrayView<float> c, ArrayView<int> indices, ArrayView<float> scales, SampledGemmProblem p, int vector) =>
        Tile(a, b, c, indices, scales, p, vector, tf32: false, gathered: false);

    /// <summary>Form (a)/(c) on TF32 tensor cores.</summary>
    public static void SampledGemmTnGatherTf32(
        ArrayView<float> a, ArrayView<float> b, ArrayView<float> c, ArrayView<int> indices, ArrayView<float> scales, SampledGemmProblem p, int vector) =>
        Tile(a, b, c, indices, scales, p, vector, tf32: true, gathered: true);

    /// <summary>Form (b) on TF32 tensor cores.</summary>
    public static void SampledGemmTnPreSampledTf32(
        ArrayView<float> a, ArrayView<float> b, ArrayView<float> c, ArrayView<int> indices, ArrayView<float> scales, SampledGemmProblem p, int vector) =>
        Tile(a, b, c, indices, scales, p, vector, tf32: true, gathered: false);

    /// <summary>The dense kernel's tile loop (SIMT or TF32) as the sampled TN GEMM; tf32 and gathered are literals at every entry.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Tile(
        ArrayView<float> a, ArrayView<float> b, ArrayView<float> c, ArrayView<int> indices, ArrayView<float> scales, SampledGemmProblem p, int vector,
        bool tf32, bool gathered)
    {
        if (tf32)
        {
            GemmTf32Kernels.Tile(a, b, c, p.M, p.N, p.K, p.StrideA, p.StrideB, p.StrideC, p.Alpha, 0f, vector, transA: true, transB: false,
                indices, scales, p.StrideSamples, p.Rows, sampled: true, gathered);
        }
        else
        {
            GemmLargeKernels.Tile(a, b, c, p.M, p.N, p.K, p.StrideA, p.StrideB, p.StrideC, p.Alpha, 0f, vector, transA: true, transB: false,
                indices, scales, p.StrideSamples, p.Rows, sampled: true, gathered);
        }
    }
}
