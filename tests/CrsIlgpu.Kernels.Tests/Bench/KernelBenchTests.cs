using CrsIlgpu.Kernels.Bench;

namespace CrsIlgpu.Kernels.Tests.Bench;

public class KernelBenchTests
{
    /// <summary>A small, odd shape per entry: the numbers of its ShapeHelp.</summary>
    private static string TinyShape(KernelBenchEntry e) => e.ShapeHelp switch
    {
        "n" => "37",
        "rows,cols" => "5,19",
        "m,n,k" => "9,13,7",
        "rows,dout,din,k" => "20,9,7,6",
        "batch,in,out" => "2,5,13",
        _ => throw new InvalidOperationException($"no tiny shape for '{e.ShapeHelp}'"),
    };

    public static TheoryData<string, ExecutionMode> Entries()
    {
        var data = new TheoryData<string, ExecutionMode>();
        foreach (var e in OpBenchRegistry.Kernels)
        {
            data.Add(e.Kernel, ExecutionMode.Kernels);
            data.Add(e.Kernel, ExecutionMode.CpuBackend);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Entries))]
    public void EveryEntryPassesItsCheckAndFreesItsTensors(string kernel, ExecutionMode mode)
    {
        using var device = DeviceContext.Create(new DeviceOptions { Kind = DeviceKind.Cpu, Mode = mode });
        var entry = OpBenchRegistry.Kernel(kernel);
        Assert.NotNull(KernelCatalog.Find(kernel)); // bench entries are catalog kernels: PTX-gated and profiled under the same name
        using (var c = entry.Create(device, KernelBench.ParseShape(entry, TinyShape(entry))))
        {
            var check = c.Check!();
            Assert.True(check.Passed, $"{kernel}: error {check.MaxError} > {check.Tolerance}");
            Assert.True(check.Elements > 0);
            Assert.True(c.Bytes > 0);
        }
        Assert.Equal(0, device.Pool.Allocated);
    }

    [Fact]
    public void RunChecksTimesAndRecordsTheLaunchesUnderTheCatalogName()
    {
        using var device = DeviceContext.Create(new DeviceOptions { Kind = DeviceKind.Cpu, Mode = ExecutionMode.CpuBackend });
        var r = KernelBench.Run(device, "axpby", "1000", includeReference: true);
        Assert.True(r.Check.Passed);
        Assert.Equal("Kernel_Axpby", r.PtxEntry);
        Assert.True(r.Op.MeanMs > 0 && r.Op.Repeats >= 3);
        Assert.NotNull(r.Reference);
        Assert.Null(r.Roofline); // no peaks on the CPU
        var launch = Assert.Single(r.Launches);
        Assert.Equal("axpby", launch.Kernel);
        Assert.False(device.Profiler.Enabled);
    }

    [Fact]
    public void ACheckFailsOnAWrongValueAndOnNaN()
    {
        float[] expected = [1f, -4f, 2f];
        Assert.True(KernelCheck.Compare(expected, expected, 0).Passed);
        var wrong = KernelCheck.Compare([1f, -4f, 2.01f], expected, 1e-3);
        Assert.False(wrong.Passed);
        Assert.Equal(0.01 / 4, wrong.MaxError, 6); // scaled by max |reference| = 4
        Assert.False(KernelCheck.Compare([1f, float.NaN, 2f], expected, 1).Passed);
    }

    [Theory]
    [InlineData("gemm_nn", "3,4")]
    [InlineData("gemm_nn", "3,4,0")]
    [InlineData("gemm_nn", "3,x,4")]
    [InlineData("axpby", "")]
    [InlineData("add", "100000,100000")]
    public void BadShapesAreUserErrors(string kernel, string shape)
    {
        var ex = Assert.Throws<CrsException>(() => KernelBench.ParseShape(OpBenchRegistry.Kernel(kernel), shape));
        Assert.StartsWith("--shape", ex.Message);
    }

    [Fact]
    public void UnknownNamesListTheKnownOnes()
    {
        var ex = Assert.Throws<CrsException>(() => OpBenchRegistry.Kernel("gemm_xx"));
        Assert.Contains("gemm_nn", ex.Message);
        Assert.Contains("axpby", ex.Message);
        var notBenched = Assert.Throws<CrsException>(() => OpBenchRegistry.Kernel("adam_update"));
        Assert.Contains("in the catalog but has no bench entry", notBenched.Message);
    }
}
