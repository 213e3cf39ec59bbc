using System.Runtime.InteropServices;

namespace CrsIlgpu.Kernels.Tests.Runtime.Driver;

/// <summary>
/// A driver made of C# functions with native entry points (UnmanagedCallersOnly), so the probe's
/// own calls into cuInit, cuDriverGetVersion and cuDeviceGetCount really run through function
/// pointers, as with libcuda, and return what a test chose. Every other name resolves to a dummy
/// address that nothing calls before a device is opened.
/// </summary>
public static unsafe class FakeDriver
{
    [ThreadStatic]
    private static int _init;

    [ThreadStatic]
    private static int _devices;

    /// <summary>An export lookup whose cuInit returns <paramref name="init"/> and whose device count is <paramref name="devices"/>.</summary>
    public static Func<string, IntPtr> Exports(int init, int devices, params string[] missing)
    {
        _init = init;
        _devices = devices;
        return name => missing.Contains(name) ? IntPtr.Zero : name switch
        {
            "cuInit" => (IntPtr)(delegate* unmanaged<uint, int>)&Init,
            "cuDriverGetVersion" => (IntPtr)(delegate* unmanaged<int*, int>)&DriverVersion,
            "cuDeviceGetCount" => (IntPtr)(delegate* unmanaged<int*, int>)&DeviceCount,
            _ => new IntPtr(1),
        };
    }

    [UnmanagedCallersOnly]
    private static int Init(uint flags) => flags == 0 ? _init : 1;

    [UnmanagedCallersOnly]
    private static int DriverVersion(int* version)
    {
        *version = 13000;
        return 0;
    }

    [UnmanagedCallersOnly]
    private static int DeviceCount(int* count)
    {
        *count = _devices;
        return 0;
    }
}
