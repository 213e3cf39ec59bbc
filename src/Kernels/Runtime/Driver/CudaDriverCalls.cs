using System.Runtime.InteropServices;

namespace CrsIlgpu.Kernels.Runtime.Driver;

/// <summary>
/// The few driver calls the probe makes itself, through the exports of the library the resolver
/// loaded, so their CUresult codes are kept: ILGPU's CudaAPI.Init() turns cuInit's code into a
/// bool and then reports only "not supported". Each call returns null when the library does not
/// export the function. The export lookup is a parameter, so tests hand in their own functions.
/// </summary>
public sealed unsafe class CudaDriverCalls(Func<string, IntPtr> export)
{
    /// <summary>Calls into a NativeLibrary handle (the resolver's driver library).</summary>
    public static CudaDriverCalls Of(IntPtr library) =>
        new(name => NativeLibrary.TryGetExport(library, name, out var address) ? address : IntPtr.Zero);

    /// <summary>cuInit(0): idempotent, so calling it beside ILGPU is harmless.</summary>
    public int? Init()
    {
        var f = export("cuInit");
        return f == IntPtr.Zero ? null : ((delegate* unmanaged<uint, int>)f)(0);
    }

    /// <summary>cuDriverGetVersion: 13000 for CUDA 13.0; works before cuInit.</summary>
    public int? DriverVersion(out int version)
    {
        version = 0;
        var f = export("cuDriverGetVersion");
        if (f == IntPtr.Zero)
            return null;
        int value;
        var code = ((delegate* unmanaged<int*, int>)f)(&value);
        version = value;
        return code;
    }

    /// <summary>cuDeviceGetCount (needs a successful cuInit).</summary>
    public int? DeviceCount(out int count)
    {
        count = 0;
        var f = export("cuDeviceGetCount");
        if (f == IntPtr.Zero)
            return null;
        int value;
        var code = ((delegate* unmanaged<int*, int>)f)(&value);
        count = value;
        return code;
    }
}
