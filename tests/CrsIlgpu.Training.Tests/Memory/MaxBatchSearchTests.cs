using CrsIlgpu.Kernels.Runtime.Memory;
using CrsIlgpu.Model.Sampling;
using CrsIlgpu.Training.Memory;

namespace CrsIlgpu.Training.Tests.Memory;

public class MaxBatchSearchTests
{
    private static bool FitsOnPlanner(VitConfig config, int batch, long capacity, WtaCrsConfig? sampling = null)
    {
        using var device = DeviceContext.CreatePlanner(capacity: capacity);
        try
        {
            StepMemory.Measure(device, config, batch, sampling: sampling);
            return true;
        }
        catch (OutOfDeviceMemoryException)
        {
            return false;
        }
    }

    [Theory]
    [InlineData(64L << 20)]
    [InlineData(300L << 20)]
    public void TheBatchFoundFitsAndTheNextDoesNot(long capacity)
    {
        var config = VitConfig.VitCifarTiny;
        var result = MaxBatchSearch.Find(config, capacity, sampling: null, savers: null);
        Assert.True(result.MaxBatch > 1, $"max batch {result.MaxBatch}");
        Assert.True(FitsOnPlanner(config, result.MaxBatch, capacity));
        Assert.False(FitsOnPlanner(config, result.MaxBatch + 1, capacity));
        Assert.InRange(result.PeakReserved, 1, capacity);
        Assert.True(result.Plans < 20, $"{result.Plans} plans");
    }

    [Fact]
    public void SamplingFitsALargerBatchThanDense()
    {
        var config = VitConfig.VitCifarTiny;
        const long capacity = 256L << 20;
        var dense = MaxBatchSearch.Find(config, capacity, null, null);
        var sampled = MaxBatchSearch.Find(config, capacity, new WtaCrsConfig(WtaCrsConfig.PaperSites, 0.3, SamplingPolicy.Cached), null);
        Assert.True(sampled.MaxBatch > dense.MaxBatch, $"ρ = 0.3: {sampled.MaxBatch}, dense: {dense.MaxBatch}");
        Assert.True(FitsOnPlanner(config, sampled.MaxBatch, capacity, new WtaCrsConfig(WtaCrsConfig.PaperSites, 0.3, SamplingPolicy.Cached)));
    }

    [Fact]
    public void NothingFitsInATinyCapacity()
    {
        var result = MaxBatchSearch.Find(VitConfig.VitCifarTiny, 1 << 20, null, null);
        Assert.Equal(0, result.MaxBatch);
        Assert.Equal(1, result.Plans);
    }
}
