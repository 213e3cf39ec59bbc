using CrsIlgpu.Kernels.Bench;

namespace CrsIlgpu.Kernels.Tests.Embed;

public class FamilyBenchCaseTests
{
    // A toy size (batch 2, 5 tokens, dim 8): the cases must build, and run on both devices.
    private static readonly OpBenchSize Toy = new("toy", 2, 5, 8, 2);

    [Theory]
    [InlineData("kernels")]
    [InlineData("cpu")]
    public void ActivationBiasAndEmbedCasesRun(string deviceName)
    {
        var device = deviceName == "kernels" ? TestAccelerators.Kernels : TestAccelerators.CpuBackend;
        var ops = new List<string>();
        foreach (var c in ActivationBench.Cases(device, Toy).Concat(BiasBench.Cases(device, Toy)).Concat(EmbedBench.Cases(device, Toy)))
        {
            c.Run();
            c.RunReference();
            device.Synchronize();
            Assert.True(c.Bytes > 0, c.Op);
            ops.Add(c.Op);
            c.Dispose();
        }
        Assert.Equal(["gelu_forward", "gelu_backward", "bias_add", "bias_grad_partial", "patch_extract", "cls_concat", "cls_split_tokens", "pos_add", "pos_grad"], ops);
    }
}
