using CrsIlgpu.Kernels.Resize;

namespace CrsIlgpu.Kernels.Bench;

/// <summary>
/// `crs bench kernel resize_bilinear --shape batch,in,out`: RGB images in×in resized to out×out
/// (CIFAR to ViT-B/16: 64,32,224), checked against <see cref="ResizeReference"/>.
/// </summary>
public static class ResizeBench
{
    public static KernelBenchEntry Entry { get; } = new(ResizeKernels.Name, "batch,in,out", Create);

    private static OpBenchCase Create(DeviceContext device, IReadOnlyList<int> shape)
    {
        int batch = shape[0], side = shape[1], size = shape[2];
        const int channels = 3;
        var input = BenchData.Uniform(batch * channels * side * side, 1);
        var expected = new float[batch * channels * size * size];
        var tin = BenchData.Tensor(device, input, batch, channels, side, side);
        var tout = BenchData.Tensor(device, new float[expected.Length], batch, channels, size, size);
        return KernelBenchCases.Checked(device, ResizeKernels.Name, KernelBenchCases.Text(shape),
            ResizeOp.FlopsPerElement * expected.Length, ResizeOp.BytesPerElement * expected.Length, tolerance: 1e-6,
            run: () => ResizeOp.Bilinear(device, tin, tout),
            output: tout,
            reference: () => { ResizeReference.Bilinear(input, expected, batch * channels, side, side, size, size); return expected; },
            reset: null,
            tin, tout);
    }
}
