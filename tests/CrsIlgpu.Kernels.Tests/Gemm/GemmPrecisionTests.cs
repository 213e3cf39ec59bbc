namespace CrsIlgpu.Kernels.Tests.Gemm;

/// <summary>
/// The one precision setting: a device made with <see cref="MatmulPrecision.Tf32"/> runs every
/// GemmOp on the kernel path through the TF32 kernels (profiled under their names, results rounded
/// as TF32), the default stays fp32, and the C# CPU backend ignores TF32 as PyTorch ignores
/// allow_tf32 on the CPU.
/// </summary>
public class GemmPrecisionTests
{
    private static DeviceContext Create(ExecutionMode mode, MatmulPrecision precision) =>
        mode == ExecutionMode.Kernels
            ? TestDevices.CreateKernels(new DeviceOptions { Profile = true, MatmulPrecision = precision })
            : DeviceContext.Create(new DeviceOptions { Kind = DeviceKind.Cpu, Mode = mode, Profile = true, MatmulPrecision = precision });

    /// <summary>Inputs 1 + 2^-12 (TF32 rounds them to 1): K = 24 gives 24 exactly under TF32, ≈ 24.0117 in fp32.</summary>
    private static (float[] Result, string Kernel) Run(DeviceContext device, GemmLayout layout)
    {
        var p = GemmProblem.Create(layout, 20, 12, 24);
        float x = 1f + MathF.Pow(2, -12);
        using var a = TestData.Tensor(device, Enumerable.Repeat(x, (int)p.ElementsA).ToArray(), (int)p.ElementsA);
        using var b = TestData.Tensor(device, Enumerable.Repeat(x, (int)p.ElementsB).ToArray(), (int)p.ElementsB);
        using var c = TestData.Tensor(device, new float[p.ElementsC], (int)p.ElementsC);
        GemmOp.Run(device, p, a, b, c);
        device.Synchronize();
        return (c.ToArray(), Assert.Single(device.Profiler.Launches).Kernel);
    }

    [Theory]
    [KernelPath]
    [InlineData(GemmLayout.NN)]
    [InlineData(GemmLayout.NT)]
    [InlineData(GemmLayout.TN)]
    public void Tf32DeviceRunsTheTensorCoreKernel(GemmLayout layout)
    {
        using var device = Create(ExecutionMode.Kernels, MatmulPrecision.Tf32);
        Assert.True(device.UsesTf32Matmul);
        var (result, kernel) = Run(device, layout);
        Assert.Equal(GemmTf32Kernels.NameFor(layout), kernel);
        Assert.Equal(GemmOp.KernelNameFor(device, GemmProblem.Create(layout, 20, 12, 24)), kernel);
        Assert.All(result, v => Assert.Equal(24f, v));
        Assert.Contains("TF32 matmul", device.Description);
    }

    [Fact]
    [KernelPath]
    public void DefaultIsFp32()
    {
        Assert.Equal(MatmulPrecision.Fp32, new DeviceOptions().MatmulPrecision);
        using var device = Create(ExecutionMode.Kernels, MatmulPrecision.Fp32);
        var (result, kernel) = Run(device, GemmLayout.NN);
        Assert.Equal(GemmKernels.NameFor(GemmLayout.NN), kernel);
        float x = 1f + MathF.Pow(2, -12);
        Assert.All(result, v => Assert.Equal(24.0 * x * x, v, 1e-4));
        Assert.True(Math.Abs(result[0] - 24f) > 0.01f);
    }

    [Fact]
    public void CpuBackendStaysFp32UnderTf32()
    {
        using var device = Create(ExecutionMode.CpuBackend, MatmulPrecision.Tf32);
        Assert.False(device.UsesTf32Matmul);
        Assert.Contains("ignored by the C# CPU backend", device.Description);
        var (result, kernel) = Run(device, GemmLayout.TN);
        Assert.Equal(GemmKernels.NameFor(GemmLayout.TN), kernel);
        Assert.True(Math.Abs(result[0] - 24f) > 0.01f);
    }
}
