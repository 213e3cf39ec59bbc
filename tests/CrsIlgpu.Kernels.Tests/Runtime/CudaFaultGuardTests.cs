namespace CrsIlgpu.Kernels.Tests.Runtime;

public sealed class CudaFaultGuardTests : IDisposable
{
    private readonly string _log = Path.Combine(Path.GetTempPath(), $"crs-cuda-fault-{Guid.NewGuid():N}.log");

    public void Dispose() => File.Delete(_log);

    [Fact]
    public void TheFirstFaultIsKeptLoggedOnceAndNamedByEveryLaterTest()
    {
        var faults = new CudaFaultGuardAttribute.Recorder(_log);
        faults.ThrowIfPoisoned();

        var first = faults.Record("GemmTests.Big(m: 4096)", new InvalidOperationException("CUDA_ERROR_ILLEGAL_ADDRESS\nmore"));
        var second = faults.Record("SoftmaxTests.Rows", new InvalidOperationException("CUDA_ERROR_ILLEGAL_ADDRESS"));

        Assert.Equal("GemmTests.Big(m: 4096): InvalidOperationException: CUDA_ERROR_ILLEGAL_ADDRESS", first);
        Assert.Equal(first, second);
        Assert.Equal($"CUDA fault: first in test {first}", Assert.Single(File.ReadAllLines(_log)));
        var later = Assert.Throws<InvalidOperationException>(faults.ThrowIfPoisoned);
        Assert.Contains("poisoned by an earlier fault in GemmTests.Big(m: 4096)", later.Message);
    }

    [Fact]
    [KernelPath]
    public void OnTheCpuNothingIsTrackedOrPoisoned()
    {
        if (TestDevices.IsCuda)
            Assert.Skip("runs without CUDA");
        using var device = TestDevices.Create("kernels");
        Assert.Null(TestDevices.SynchronizeCudaDevices());
        Assert.Null(CudaFaultGuardAttribute.Faults.First);
    }
}
