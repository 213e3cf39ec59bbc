using CrsIlgpu.Kernels.Activation;
using CrsIlgpu.Kernels.Bias;
using CrsIlgpu.Kernels.Elementwise;
using CrsIlgpu.Kernels.Gemm;
using CrsIlgpu.Kernels.LayerNorm;
using CrsIlgpu.Kernels.Runtime.Memory;
using CrsIlgpu.Kernels.Sampling;
using CrsIlgpu.Kernels.Softmax;

namespace CrsIlgpu.Kernels.Bench;

/// <summary>
/// `crs bench kernel` entries of the built-in kernels (the example family has its own file, as a
/// user's kernel would), and <see cref="Checked"/>, the one way every entry builds its case.
/// Tolerances are on max|op − reference| / max(1, max|reference|).
/// </summary>
public static class KernelBenchCases
{
    public static IReadOnlyList<KernelBenchEntry> Entries { get; } =
    [
        new(ElementwiseKernels.AddName, "rows,cols", Add),
        new(ActivationKernels.GeluForwardName, "rows,cols", GeluForward),
        new(SoftmaxKernels.ForwardName, "rows,cols", SoftmaxForward),
        new(LayerNormKernels.ForwardName, "rows,cols", LayerNormForward),
        new(BiasKernels.AddName, "rows,cols", BiasAdd),
        new(GemmKernels.NameFor(GemmLayout.NN), "m,n,k", GemmCase(GemmLayout.NN)),
        new(GemmKernels.NameFor(GemmLayout.NT), "m,n,k", GemmCase(GemmLayout.NT)),
        new(GemmKernels.NameFor(GemmLayout.TN), "m,n,k", GemmCase(GemmLayout.TN)),
        new(RowNormsKernels.Name, "rows,cols", RowNorms),
        new(SampledGemmKernels.GatherName, "rows,dout,din,k", SampledGemmGather),
    ];

    /// <summary>
    /// A case that times <paramref name="run"/> and checks it: <paramref name="reset"/> restores any
    /// input the op overwrites, then the op runs once and <paramref name="output"/> is compared with
    /// what <paramref name="reference"/> returns from the same inputs.
    /// </summary>
    public static OpBenchCase Checked(DeviceContext device, string kernel, string shape, double flops, double bytes, double tolerance,
        Action run, Tensor output, Func<float[]> reference, Action? reset, params IDisposable[] resources) =>
        new(kernel, shape, flops, bytes, run, () => reference(), resources)
        {
            Check = () =>
            {
                reset?.Invoke();
                run();
                device.Synchronize();
                return KernelCheck.Compare(output.ToArray(), reference(), tolerance);
            },
        };

    private static Func<DeviceContext, IReadOnlyList<int>, OpBenchCase> Add => (device, s) =>
    {
        int rows = s[0], cols = s[1], n = rows * cols;
        var a = BenchData.Uniform(n, 1);
        var b = BenchData.Uniform(n, 2);
        var y = new float[n];
        var ta = BenchData.Tensor(device, a, rows, cols);
        var tb = BenchData.Tensor(device, b, rows, cols);
        var ty = Output(device, rows, cols);
        return Checked(device, ElementwiseKernels.AddName, Text(s), n, 12.0 * n, 1e-7,
            () => ElementwiseOp.Add(device, ta, tb, ty), ty,
            () => { ElementwiseReference.Add(a, b, y); return y; }, null, ta, tb, ty);
    };

    // The kernel's fp32 erf fit is within 1.2e-6 of the double reference (ActivationReferenceTests).
    private static Func<DeviceContext, IReadOnlyList<int>, OpBenchCase> GeluForward => (device, s) =>
        RowsOp(device, s, ActivationKernels.GeluForwardName, 3f, 25.0, 4e-6,
            (x, y) => ActivationOp.GeluForward(device, x, y), (x, y, _) => ActivationReference.GeluForward(x, y));

    private static Func<DeviceContext, IReadOnlyList<int>, OpBenchCase> SoftmaxForward => (device, s) =>
        RowsOp(device, s, SoftmaxKernels.ForwardName, 4f, 5.0, 2e-6,
            (x, y) => SoftmaxOp.Forward(device, x, y), (x, y, cols) => SoftmaxReference.Forward(x, y, cols));

    /// <summary>
    /// An op from x to y, both [rows, cols] (4 bytes read and 4 written per element): x uniform in
    /// ±<paramref name="range"/>, checked against <paramref name="reference"/>(x, y, cols).
    /// </summary>
    private static OpBenchCase RowsOp(DeviceContext device, IReadOnlyList<int> s, string kernel, float range, double flopsPerElement,
        double tolerance, Action<Tensor, Tensor> op, Action<float[], float[], int> reference)
    {
        int rows = s[0], cols = s[1], n = rows * cols;
        var x = BenchData.Uniform(n, 1, range);
        var y = new float[n];
        var tx = BenchData.Tensor(device, x, rows, cols);
        var ty = Output(device, rows, cols);
        return Checked(device, kernel, Text(s), flopsPerElement * n, 8.0 * n, tolerance,
            () => op(tx, ty), ty,
            () => { reference(x, y, cols); return y; }, null, tx, ty);
    }

    private static Func<DeviceContext, IReadOnlyList<int>, OpBenchCase> LayerNormForward => (device, s) =>
    {
        int rows = s[0], d = s[1], n = rows * d;
        var x = BenchData.Uniform(n, 1, 3f);
        var gamma = BenchData.Uniform(d, 2).Select(v => 1f + 0.5f * v).ToArray();
        var beta = BenchData.Uniform(d, 3);
        float[] y = new float[n], mean = new float[rows], rstd = new float[rows];
        var tx = BenchData.Tensor(device, x, rows, d);
        var tgamma = BenchData.Tensor(device, gamma, d);
        var tbeta = BenchData.Tensor(device, beta, d);
        var ty = Output(device, rows, d);
        var tmean = Output(device, rows);
        var trstd = Output(device, rows);
        return Checked(device, LayerNormKernels.ForwardName, Text(s), 8.0 * n, 8.0 * n + 8.0 * d + 8.0 * rows, 1e-5,
            () => LayerNormOp.Forward(device, tx, tgamma, tbeta, ty, tmean, trstd), ty,
            () => { LayerNormReference.Forward(x, gamma, beta, y, mean, rstd, d, LayerNormOp.DefaultEps); return y; },
            null, tx, tgamma, tbeta, ty, tmean, trstd);
    };

    private static Func<DeviceContext, IReadOnlyList<int>, OpBenchCase> BiasAdd => (device, s) =>
    {
        int rows = s[0], cols = s[1], n = rows * cols;
        var y0 = BenchData.Uniform(n, 1);
        var b = BenchData.Uniform(cols, 2);
        var y = new float[n];
        var ty = BenchData.Tensor(device, y0, rows, cols);
        var tb = BenchData.Tensor(device, b, cols);
        // In place: the check restores y first, the reference starts from the same y.
        return Checked(device, BiasKernels.AddName, Text(s), n, 8.0 * n + 4.0 * cols, 1e-7,
            () => BiasOp.Add(device, ty, tb), ty,
            () => { y0.CopyTo(y, 0); BiasReference.Add(y, b); return y; },
            () => ty.CopyFrom(y0), ty, tb);
    };

    private static Func<DeviceContext, IReadOnlyList<int>, OpBenchCase> GemmCase(GemmLayout layout) => (device, s) =>
    {
        var p = GemmProblem.Create(layout, s[0], s[1], s[2]);
        var a = BenchData.Uniform((int)p.ElementsA, 1);
        var b = BenchData.Uniform((int)p.ElementsB, 2);
        var c = new float[p.ElementsC];
        var ta = BenchData.Tensor(device, a, a.Length);
        var tb = BenchData.Tensor(device, b, b.Length);
        var tc = Output(device, s[0], s[1]);
        return Checked(device, p.OpName, $"m={s[0]}, n={s[1]}, k={s[2]}", p.Flops, p.Bytes, 1e-5,
            () => GemmOp.Run(device, p, ta, tb, tc), tc,
            () => { GemmReference.Run(p, a, b, c); return c; }, null, ta, tb, tc);
    };

    private static Func<DeviceContext, IReadOnlyList<int>, OpBenchCase> RowNorms => (device, s) =>
    {
        int rows = s[0], cols = s[1], n = rows * cols;
        var x = BenchData.Uniform(n, 1);
        var norms = new float[rows];
        var tx = BenchData.Tensor(device, x, rows, cols);
        var tnorms = Output(device, rows);
        return Checked(device, RowNormsKernels.Name, Text(s), 2.0 * n, 4.0 * n + 4.0 * rows, 1e-5,
            () => RowNormsOp.Run(device, tx, tnorms), tnorms,
            () => { RowNormsReference.RowNorms(x, norms, cols); return norms; }, null, tx, tnorms);
    };

    private static Func<DeviceContext, IReadOnlyList<int>, OpBenchCase> SampledGemmGather => (device, s) =>
    {
        int rows = s[0], dout = s[1], din = s[2], k = s[3];
        if (k > rows)
            throw new CrsException($"--shape: k = {k} samples cannot exceed rows = {rows}");
        var p = SampledGemmProblem.Create(SampledGemmForm.Gather, dout, din, k, rows);
        var g = BenchData.Uniform(rows * dout, 1);
        var x = BenchData.Uniform(rows * din, 2);
        var random = new Random(3);
        var indices = Enumerable.Range(0, k).Select(_ => random.Next(rows)).ToArray();
        var scales = Enumerable.Range(0, k).Select(_ => (float)(0.5 + random.NextDouble())).ToArray();
        var dw = new float[dout * din];
        var tg = BenchData.Tensor(device, g, rows, dout);
        var tx = BenchData.Tensor(device, x, rows, din);
        var ti = new IntTensor(device.Pool, k, MemoryTag.Workspace, "bench.indices");
        ti.CopyFrom(indices);
        var ts = BenchData.Tensor(device, scales, k);
        var tdw = Output(device, dout, din);
        return Checked(device, SampledGemmKernels.GatherName, $"rows={rows}, dout={dout}, din={din}, k={k}", p.Flops, p.Bytes, 1e-5,
            () => SampledGemmOp.Gather(device, tg, tx, ti, ts, tdw), tdw,
            () => { SampledGemmReference.Run(p, g, x, indices, scales, dw); return dw; }, null, tg, tx, ti, ts, tdw);
    };

    public static Tensor Output(DeviceContext device, params int[] shape) => new(device.Pool, MemoryTag.Workspace, "bench.out", shape);

    public static string Text(IReadOnlyList<int> shape) => "[" + string.Join(", ", shape) + "]";
}
