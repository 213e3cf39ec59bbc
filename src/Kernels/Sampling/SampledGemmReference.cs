namespace CrsIlgpu.Kernels.Sampling;

/// <summary>
/// Plain C# sampled GEMM with double accumulation: the ground truth for the kernel and the CPU
/// backend. Same semantics as <see cref="SampledGemmProblem"/>: C overwritten, an index outside
/// [0, Rows) contributes nothing.
/// </summary>
public static class SampledGemmReference
{
    public static void Run(
        SampledGemmProblem p, ReadOnlySpan<float> a, ReadOnlySpan<float> b,
        ReadOnlySpan<int> indices, ReadOnlySpan<float> scales, Span<float> c)
    {
        p.Validate(a.Length, b.Length, c.Length, indices.Length, scales.Length);
        var sum = new double[(long)p.M * p.N];
        for (var batch = 0; batch < p.Batch; batch++)
        {
            Array.Clear(sum);
            long offA = batch * p.StrideA, offB = batch * p.StrideB, offS = batch * p.StrideSamples;
            for (var t = 0; t < p.K; t++)
            {
                int row = indices[(int)(offS + t)];
                if ((uint)row >= (uint)p.Rows)
                    continue;
                double scale = p.Form == SampledGemmForm.Gather ? scales[(int)(offS + t)] : 1.0;
                long rowA = offA + (long)row * p.M;
                long rowB = offB + (long)(p.Form == SampledGemmForm.Gather ? row : t) * p.N;
                for (var i = 0; i < p.M; i++)
                {
                    double ai = scale * a[(int)(rowA + i)];
                    for (var j = 0; j < p.N; j++)
                        sum[(long)i * p.N + j] += ai * b[(int)(rowB + j)];
                }
            }
            long offC = batch * p.StrideC;
            for (long e = 0; e < sum.Length; e++)
                c[(int)(offC + e)] = (float)(p.Alpha * sum[e]);
        }
    }
}
