using CrsIlgpu.Kernels.Runtime.Driver;
using ILGPU.Runtime.Cuda;

namespace CrsIlgpu.Kernels.Tests.Runtime.Driver;

public class CudaResultTests
{
    [Theory]
    [InlineData(0, "CUDA_SUCCESS")]
    [InlineData(34, "CUDA_ERROR_STUB_LIBRARY")]
    [InlineData(100, "CUDA_ERROR_NO_DEVICE")]
    [InlineData(218, "CUDA_ERROR_INVALID_PTX")]
    [InlineData(222, "CUDA_ERROR_UNSUPPORTED_PTX_VERSION")]
    [InlineData(700, "CUDA_ERROR_ILLEGAL_ADDRESS")]
    [InlineData(803, "CUDA_ERROR_SYSTEM_DRIVER_MISMATCH")]
    [InlineData(999, "CUDA_ERROR_UNKNOWN")]
    public void TheCodesAFirstContactMeetsHaveCudaHsNames(int code, string name)
    {
        Assert.Equal(name, CudaResult.Name(code));
        Assert.Equal($"{code} {name}", CudaResult.Describe(code));
        Assert.Equal(code, CudaResult.FromIlgpuError(name));
    }

    [Fact]
    public void EveryCodeIlgpuKnowsHasTheSameNameHere()
    {
        // ILGPU's CudaError (CUDA 10's list) is a second transcription of cuda.h: where both have a code they must agree.
        var values = Enum.GetValues<CudaError>();
        Assert.True(values.Length > 50);
        foreach (var error in values)
            Assert.Equal(error.ToString(), CudaResult.Name((int)error));
    }

    [Fact]
    public void NamesAreUniqueAndACodeOutsideTheListIsNamedByItsNumber()
    {
        Assert.Equal(CudaResult.Names.Count, CudaResult.Names.Values.Distinct().Count());
        Assert.Equal("CUresult 12345 (not in CUDA 13's list)", CudaResult.Name(12345));
    }

    [Theory]
    [InlineData("222", 222)] // a code ILGPU's enum lacks: its ToString() is the number
    [InlineData("CUDA_ERROR_INVALID_PTX", 218)]
    [InlineData(" 803 ", 803)]
    [InlineData("N/A", null)] // CudaException() without a code
    [InlineData("", null)]
    [InlineData(null, null)]
    public void IlgpusErrorTextGivesTheCode(string? error, int? code) => Assert.Equal(code, CudaResult.FromIlgpuError(error));
}
