using System.Reflection;
using System.Runtime.InteropServices;
using CrsIlgpu.Kernels.Runtime.Driver;
using ILGPU.Runtime.Cuda;

namespace CrsIlgpu.Kernels.Tests.Runtime.Driver;

public class CudaEntryPointsTests
{
    [Fact]
    public void TheListHoldsThe48NamesIlgpu153Binds()
    {
        Assert.Equal(48, CudaEntryPoints.Names.Count);
        Assert.Equal(48, CudaEntryPoints.Names.Distinct().Count());
        Assert.Equal("cuInit", CudaEntryPoints.Names[0]);
        foreach (var name in new[] { "cuCtxCreate_v2", "cuCtxGetSharedMemConfig", "cuModuleLoadDataEx", "cuLaunchKernel", "cuMemAlloc_v2" })
            Assert.Contains(name, CudaEntryPoints.Names);
    }

    [Fact]
    public void TheListIsExactlyWhatIlgpusAssemblyImportsFromTheDriver()
    {
        // ILGPU generates one CudaAPI subclass per platform, each with a DllImport per entry point;
        // the Linux one imports from "cuda" (the name our resolver maps to libcuda.so.1).
        var imports = typeof(CudaAPI).Assembly.GetTypes()
            .Where(t => t.IsSubclassOf(typeof(CudaAPI)))
            .SelectMany(t => t.GetMethods(BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
            .Select(m => (Method: m, Import: m.GetCustomAttribute<DllImportAttribute>()))
            .Where(p => p.Import?.Value == CudaDriverLibrary.ImportName)
            .Select(p => p.Import!.EntryPoint ?? p.Method.Name)
            .ToHashSet();

        Assert.NotEmpty(imports);
        Assert.Empty(imports.Except(CudaEntryPoints.Names)); // bound by ILGPU, unknown here
        Assert.Empty(CudaEntryPoints.Names.Except(imports)); // listed here, no longer bound
    }

    [Fact]
    public void MissingNamesThoseTheLookupLacksInListOrder()
    {
        var absent = new HashSet<string> { "cuLaunchKernel", "cuCtxGetSharedMemConfig" };
        Assert.Equal(["cuCtxGetSharedMemConfig", "cuLaunchKernel"], CudaEntryPoints.Missing(n => !absent.Contains(n)));
        Assert.Empty(CudaEntryPoints.Missing(_ => true));
    }

    [Fact]
    public void ALibraryThatIsNoDriverLacksEveryEntryPoint()
    {
        var libc = NativeLibrary.Load("libc.so.6");
        // The lookup itself works on this handle: libc's own functions are found.
        Assert.True(NativeLibrary.TryGetExport(libc, "malloc", out _));
        Assert.Equal(CudaEntryPoints.Names, CudaEntryPoints.Missing(libc));
    }

    [Fact]
    public void TheMissingPhraseCountsAndNamesTheFirstFew()
    {
        var text = CudaEntryPoints.DescribeMissing(CudaEntryPoints.Names, "libc.so.6");
        Assert.StartsWith("libc.so.6 lacks 48 of the 48 driver entry points ILGPU binds: cuInit, cuDriverGetVersion,", text);
        Assert.EndsWith("… (42 more)", text);
        Assert.Equal("x lacks 1 of the 48 driver entry points ILGPU binds: cuEventQuery", CudaEntryPoints.DescribeMissing(["cuEventQuery"], "x"));
    }
}
