namespace CrsIlgpu.Kernels.Tests.Gemm;

public class AcceleratorSmokeTests
{
    [Fact]
    public void SharedAcceleratorHasNvidiaWarpSize()
    {
        Assert.Equal(32, TestAccelerators.Accelerator.WarpSize);
    }
}
