using System.Runtime.InteropServices;

namespace CrsIlgpu.Kernels.Runtime.Driver;

/// <summary>
/// The CUDA driver entry points ILGPU 1.5.3 binds (its CudaAPI's DllImports, generated from
/// Src/ILGPU/Runtime/Cuda/CudaAPI.xml). .NET resolves a DllImport only on its first call, so a
/// driver that lacks one fails late: a missing cuCtxGetSharedMemConfig breaks the first accelerator,
/// a missing cuEventElapsedTime only the first profiled launch. Looking every name up in the loaded
/// library at once names them all before any of that. A test checks this list against ILGPU's own
/// assembly, so an ILGPU upgrade that binds another name fails it.
/// </summary>
public static class CudaEntryPoints
{
    /// <summary>In CudaAPI.xml's order (ILGPU 1.5.3 has no cuStreamWaitEvent; later versions bind it).</summary>
    public static IReadOnlyList<string> Names { get; } =
    [
        "cuInit", "cuDriverGetVersion", "cuDeviceGet", "cuDeviceGetCount", "cuDeviceGetName", "cuDeviceTotalMem_v2",
        "cuDeviceGetAttribute", "cuCtxCreate_v2", "cuCtxDestroy_v2", "cuCtxSetCurrent", "cuCtxSynchronize",
        "cuCtxGetCacheConfig", "cuCtxSetCacheConfig", "cuCtxGetSharedMemConfig", "cuCtxSetSharedMemConfig",
        "cuDeviceCanAccessPeer", "cuCtxEnablePeerAccess", "cuCtxDisablePeerAccess", "cuDeviceGetP2PAttribute",
        "cuPointerGetAttribute", "cuMemGetInfo_v2", "cuMemAlloc_v2", "cuMemFree_v2", "cuMemAllocHost_v2", "cuMemFreeHost",
        "cuMemcpyAsync", "cuMemsetD8Async", "cuMemHostRegister_v2", "cuMemHostUnregister", "cuMemHostGetDevicePointer_v2",
        "cuStreamCreate", "cuStreamCreateWithPriority", "cuStreamDestroy_v2", "cuStreamSynchronize", "cuGetErrorString",
        "cuModuleLoadData", "cuModuleLoadDataEx", "cuModuleUnload", "cuModuleGetFunction", "cuLaunchKernel",
        "cuOccupancyMaxActiveBlocksPerMultiprocessor", "cuOccupancyMaxPotentialBlockSize", "cuEventCreate",
        "cuEventDestroy_v2", "cuEventQuery", "cuEventElapsedTime", "cuEventRecord", "cuEventSynchronize",
    ];

    /// <summary>The names <paramref name="isExported"/> says the library lacks, in <see cref="Names"/>' order.</summary>
    public static IReadOnlyList<string> Missing(Func<string, bool> isExported) => Names.Where(n => !isExported(n)).ToList();

    /// <summary>The names the loaded library (a NativeLibrary handle) does not export.</summary>
    public static IReadOnlyList<string> Missing(IntPtr library) => Missing(name => NativeLibrary.TryGetExport(library, name, out _));

    /// <summary>One phrase for error lines: the count and the first few names.</summary>
    public static string DescribeMissing(IReadOnlyList<string> missing, string library)
    {
        const int shown = 6;
        var names = string.Join(", ", missing.Take(shown)) + (missing.Count > shown ? $", … ({missing.Count - shown} more)" : "");
        return $"{library} lacks {missing.Count} of the {Names.Count} driver entry points ILGPU binds: {names}";
    }
}
