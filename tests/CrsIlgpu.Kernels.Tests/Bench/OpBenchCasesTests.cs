using CrsIlgpu.Kernels.Bench;

namespace CrsIlgpu.Kernels.Tests.Bench;

public class OpBenchCasesTests
{
    public static TheoryData<string, ExecutionMode> Families()
    {
        var data = new TheoryData<string, ExecutionMode>();
        foreach (var (family, _) in OpBenchRegistry.Families)
        {
            data.Add(family, ExecutionMode.Kernels);
            data.Add(family, ExecutionMode.CpuBackend);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Families))]
    public void EveryCaseRunsBothImplementationsAndReturnsItsMemory(string family, ExecutionMode mode)
    {
        // A toy size (batch 2, 5 tokens, dim 12, 2 heads): `crs bench ops` must not fail on any case.
        using var device = DeviceContext.Create(new DeviceOptions { Kind = DeviceKind.Cpu, Mode = mode });
        var size = new OpBenchSize("toy", Batch: 2, Tokens: 5, Dim: 12, Heads: 2);
        var cases = OpBenchRegistry.Families.Single(f => f.Family == family).Cases;
        var ops = new List<string>();
        foreach (var c in cases(device, size))
        {
            using (c)
            {
                Assert.True(c.Bytes > 0, c.Op);
                c.Run();
                device.Synchronize();
                c.RunReference();
                ops.Add(c.Op);
            }
        }
        Assert.NotEmpty(ops);
        Assert.Equal(ops.Count, ops.Distinct().Count());
        Assert.Equal(0, device.Pool.Allocated);
    }
}
