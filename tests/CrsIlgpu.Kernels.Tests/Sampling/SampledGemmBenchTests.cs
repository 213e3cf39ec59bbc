using CrsIlgpu.Kernels.Bench;

namespace CrsIlgpu.Kernels.Tests.Sampling;

public class SampledGemmBenchTests
{
    [Fact]
    public void CasesRunAndNameTheDenseBaseline()
    {
        // A toy size so the reference runs too: N = 2·9 rows, Din = 8, Dout = 32.
        var device = TestAccelerators.CpuBackend;
        var size = new OpBenchSize("toy", 2, 9, 8, 2);
        var cases = SampledGemmBench.Cases(device, size).ToList();
        try
        {
            Assert.Equal(["dense_weight_grad", "sampled_gemm (rho=1)", "sampled_gemm (rho=0.5)", "sampled_gemm (rho=0.3)", "sampled_gemm (rho=0.1)"],
                cases.Select(c => c.Op));
            foreach (var c in cases)
            {
                c.Run();
                c.RunReference();
            }
            // ρ = 0.3 of 18 rows: k = 5, flops 2·32·8·5.
            Assert.Equal(2.0 * 32 * 8 * 5, cases[3].Flops);
        }
        finally
        {
            foreach (var c in cases)
                c.Dispose();
        }
    }
}
