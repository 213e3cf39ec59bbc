using CrsIlgpu.Kernels.Bench;
using CrsIlgpu.Kernels.Runtime;

namespace CrsIlgpu.Kernels.Tests.Softmax;

public class SoftmaxBenchTests
{
    [Theory]
    [InlineData(ExecutionMode.Kernels)]
    [InlineData(ExecutionMode.CpuBackend)]
    public void CasesRunBothImplementationsAndReturnTheirMemory(ExecutionMode mode)
    {
        using var device = DeviceContext.Create(new DeviceOptions { Kind = DeviceKind.Cpu, Mode = mode });
        var size = new OpBenchSize("tiny", Batch: 2, Tokens: 5, Dim: 12, Heads: 2);
        var cases = SoftmaxBench.Cases(device, size).ToList();
        Assert.NotEmpty(cases);
        foreach (var c in cases)
        {
            Assert.NotNull(KernelCatalogOrOp(c.Op));
            Assert.True(c.Bytes > 0);
            c.Run();
            device.Synchronize();
            c.RunReference();
            c.Dispose();
        }
        Assert.Equal(0, device.Pool.Allocated);
    }

    // Bench ops are catalog kernels, or an op whose kernels are all in the catalog.
    private static string? KernelCatalogOrOp(string op) =>
        KernelCatalog.All.Any(k => k.Name == op || k.Name.StartsWith(op + "_", StringComparison.Ordinal)) ? op : null;
}
