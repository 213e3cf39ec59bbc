using CrsIlgpu.Kernels.Gemm;
using CrsIlgpu.Kernels.Loss;
using CrsIlgpu.Kernels.Runtime.Memory;
using CrsIlgpu.Kernels.Sampling;

namespace CrsIlgpu.Kernels.Bench;

/// <summary>
/// Bench cases of the WTA-CRS sampled weight gradient of an MLP fc1-sized linear layer
/// (N = batch·tokens rows, Din = dim, Dout = 4·dim): the sampled GEMM at keep ratios
/// ρ ∈ {1, 0.5, 0.3, 0.1} (k = ⌊ρN⌋ seeded random rows, scales 1/ρ) and the dense TN weight
/// gradient it replaces, timed in the same run.
/// </summary>
public static class SampledGemmBench
{
    public static readonly double[] KeepRatios = [1.0, 0.5, 0.3, 0.1];

    public static IEnumerable<IOpBenchCase> Cases(DeviceContext device, OpBenchSize size)
    {
        int n = size.Rows, din = size.Dim, dout = size.MlpRatio * size.Dim;
        var g = BenchData.Uniform(n * dout, 1);
        var x = BenchData.Uniform(n * din, 2);
        var shape = $"G [{n}, {dout}], X [{n}, {din}]";

        var dense = GemmProblem.Create(GemmLayout.TN, dout, din, n);
        {
            var tg = BenchData.Tensor(device, g, n, dout);
            var tx = BenchData.Tensor(device, x, n, din);
            var tdw = new Tensor(device.Pool, MemoryTag.Workspace, "bench.dw", dout, din);
            var hostDw = new float[dout * din];
            yield return new OpBenchCase("dense_weight_grad", shape, dense.Flops, dense.Bytes,
                () => GemmOp.Run(device, dense, tg, tx, tdw),
                () => GemmReference.Run(dense, g, x, hostDw),
                tg, tx, tdw);
        }

        foreach (var rho in KeepRatios)
        {
            int k = (int)Math.Floor(rho * n);
            var random = new Random(1000 + k);
            var indices = Enumerable.Range(0, k).Select(_ => random.Next(n)).ToArray();
            var scales = Enumerable.Repeat((float)(1.0 / rho), k).ToArray();
            var p = SampledGemmProblem.Create(SampledGemmForm.Gather, dout, din, k, n);

            var tg = BenchData.Tensor(device, g, n, dout);
            var tx = BenchData.Tensor(device, x, n, din);
            var ti = new IntTensor(device.Pool, k, MemoryTag.Workspace, "bench.indices");
            ti.CopyFrom(indices);
            var ts = BenchData.Tensor(device, scales, k);
            var tdw = new Tensor(device.Pool, MemoryTag.Workspace, "bench.dw", dout, din);
            var hostDw = new float[dout * din];
            yield return new OpBenchCase($"sampled_gemm (rho={rho:0.##})", shape + $", k={k}", p.Flops, p.Bytes,
                () => SampledGemmOp.Gather(device, tg, tx, ti, ts, tdw),
                () => SampledGemmReference.Run(p, g, x, indices, scales, hostDw),
                tg, tx, ti, ts, tdw);
        }
    }
}
