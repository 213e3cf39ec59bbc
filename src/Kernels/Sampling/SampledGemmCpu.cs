using System.Buffers;
using CrsIlgpu.Kernels.Gemm;

namespace CrsIlgpu.Kernels.Sampling;

/// <summary>
/// CPU backend of the sampled GEMM: gathers the K sampled rows of A (scaled, in the gather form)
/// and of B into pooled buffers, then runs one batched TN <see cref="GemmCpu"/> over them. The
/// gather costs O(K·(M+N)) against the GEMM's O(K·M·N), and lets the BLIS-style kernel do the
/// rest; the GPU kernel instead reads rows by index. An index outside [0, Rows) gives a zero row.
/// </summary>
public static class SampledGemmCpu
{
    /// <summary>Rows gathered per parallel task: enough to amortise the hand-off.</summary>
    private const int GatherRowsPerTask = 64;

    public static void Run(
        SampledGemmProblem p, ReadOnlySpan<float> a, ReadOnlySpan<float> b,
        ReadOnlySpan<int> indices, ReadOnlySpan<float> scales, Span<float> c)
    {
        p.Validate(a.Length, b.Length, c.Length, indices.Length, scales.Length);
        if (p.K == 0)
        {
            // An empty sum: C is overwritten with zeros (GemmProblem needs K >= 1).
            for (var batch = 0; batch < p.Batch; batch++)
                c.Slice(checked((int)(batch * p.StrideC)), p.M * p.N).Clear();
            return;
        }

        bool gathered = p.Form == SampledGemmForm.Gather;
        int samples = checked(p.Batch * p.K);
        int lengthA = checked(samples * p.M);
        int lengthB = gathered ? checked(samples * p.N) : 0;
        float[] packedA = ArrayPool<float>.Shared.Rent(lengthA);
        float[] packedB = ArrayPool<float>.Shared.Rent(Math.Max(lengthB, 1));
        try
        {
            Gather(p, a, indices, scales, packedA, p.M, p.StrideA, scaled: gathered);
            if (gathered)
                Gather(p, b, indices, scales, packedB, p.N, p.StrideB, scaled: false);

            // Pre-sampled B is used in place with its own batch stride.
            var gemm = new GemmProblem(
                GemmLayout.TN, p.M, p.N, p.K, p.Batch,
                (long)p.K * p.M,
                gathered ? (long)p.K * p.N : p.StrideB,
                p.StrideC, p.Alpha, 0f);
            GemmCpu.Run(gemm, packedA.AsSpan(0, lengthA), gathered ? packedB.AsSpan(0, lengthB) : b, c);
        }
        finally
        {
            ArrayPool<float>.Shared.Return(packedA);
            ArrayPool<float>.Shared.Return(packedB);
        }
    }

    /// <summary>packed[b·K + t, :] = (scale_{b,t} ·) source_b[idx_{b,t}, :], zero for an out-of-range index.</summary>
    private static unsafe void Gather(
        SampledGemmProblem p, ReadOnlySpan<float> source, ReadOnlySpan<int> indices, ReadOnlySpan<float> scales,
        float[] packed, int width, long stride, bool scaled)
    {
        int samples = p.Batch * p.K;
        fixed (float* src = source)
        fixed (int* idx = indices)
        fixed (float* scl = scales)
        fixed (float* dst = packed)
        {
            // Pointers, not spans, so the parallel body can capture them.
            var s = (Src: (nint)src, Idx: (nint)idx, Scl: (nint)scl, Dst: (nint)dst);
            void GatherRange(int begin, int end)
            {
                for (var flat = begin; flat < end; flat++)
                {
                    int batch = flat / p.K, t = flat - batch * p.K;
                    long sampleAt = batch * p.StrideSamples + t;
                    int row = ((int*)s.Idx)[sampleAt];
                    var to = new Span<float>((float*)s.Dst + (long)flat * width, width);
                    if ((uint)row >= (uint)p.Rows)
                    {
                        to.Clear();
                        continue;
                    }
                    var from = new ReadOnlySpan<float>((float*)s.Src + batch * stride + (long)row * width, width);
                    if (scaled)
                        System.Numerics.Tensors.TensorPrimitives.Multiply(from, ((float*)s.Scl)[sampleAt], to);
                    else
                        from.CopyTo(to);
                }
            }

            int tasks = (samples + GatherRowsPerTask - 1) / GatherRowsPerTask;
            if (tasks <= 1 || (long)samples * width < 1 << 16)
                GatherRange(0, samples);
            else
                Parallel.For(0, tasks, CpuThreads.Options, task => GatherRange(task * GatherRowsPerTask, Math.Min(samples, (task + 1) * GatherRowsPerTask)));
        }
    }
}
