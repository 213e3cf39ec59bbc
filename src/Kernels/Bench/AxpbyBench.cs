using CrsIlgpu.Kernels.Example;

namespace CrsIlgpu.Kernels.Bench;

/// <summary>
/// `crs bench kernel axpby --shape n`: the worked example's bench entry (docs/custom-kernels.md,
/// step 6). Seeded inputs, the op timed, and one run checked against <see cref="AxpbyReference"/>.
/// </summary>
public static class AxpbyBench
{
    private const float Alpha = 0.75f;
    private const float Beta = -1.25f;

    public static KernelBenchEntry Entry { get; } = new(AxpbyKernels.Name, "n", Create);

    private static OpBenchCase Create(DeviceContext device, IReadOnlyList<int> shape)
    {
        var n = shape[0];
        var x = BenchData.Uniform(n, 1);
        var y0 = BenchData.Uniform(n, 2);
        var expected = new float[n];
        var tx = BenchData.Tensor(device, x, n);
        var ty = BenchData.Tensor(device, y0, n);
        // y is updated in place: the check restores it, and the reference starts from the same values.
        return KernelBenchCases.Checked(device, AxpbyKernels.Name, KernelBenchCases.Text(shape),
            AxpbyOp.FlopsPerElement * n, AxpbyOp.BytesPerElement * n, tolerance: 1e-6,
            run: () => AxpbyOp.Run(device, tx, ty, Alpha, Beta),
            output: ty,
            reference: () => { y0.CopyTo(expected, 0); AxpbyReference.Run(x, expected, Alpha, Beta); return expected; },
            reset: () => ty.CopyFrom(y0),
            tx, ty);
    }
}
