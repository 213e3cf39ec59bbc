using System.Reflection;
using ILGPU.Runtime.Cuda;

namespace CrsIlgpu.Kernels.Runtime.Driver;

/// <summary>
/// Asks the CUDA driver, through ILGPU's public CudaAPI, each question ILGPU's device enumeration
/// asks, keeping every answer and error that enumeration throws away.
/// </summary>
public static class CudaProbe
{
    /// <param name="ilgpuDevices">How many CUDA devices ILGPU's context enumerated.</param>
    public static CudaStatus Run(int ilgpuDevices)
    {
        CudaDriverLibrary.Register();
        var api = CudaAPI.CurrentAPI;
        var library = CudaDriverLibrary.Search ?? CudaDriverLibrary.SearchNow();
        // Asked of the loaded library itself: ILGPU keeps neither cuInit's code nor which binding is missing.
        var missing = library.Loaded is null ? [] : CudaEntryPoints.Missing(library.Handle);
        var init = library.Loaded is null ? null : CudaDriverCalls.Of(library.Handle).Init();
        if (!api.IsSupported)
        {
            return new CudaStatus(CudaDriverLibrary.Registration, library, false, null, null, null, [], ilgpuDevices)
            {
                InitResult = init,
                MissingEntryPoints = missing,
            };
        }

        CudaDriverVersion? driver = api.GetDriverVersion(out var reported) == CudaError.CUDA_SUCCESS ? reported : null;
        var version = driver is { } v ? $"{v.Major}.{v.Minor}" : null;

        var countError = api.GetDeviceCount(out var count);
        if (countError != CudaError.CUDA_SUCCESS)
        {
            return new CudaStatus(CudaDriverLibrary.Registration, library, true, version, null, Error(api, countError), [], ilgpuDevices)
            {
                InitResult = init,
                MissingEntryPoints = missing,
            };
        }

        var devices = new List<CudaDeviceStatus>();
        for (var ordinal = 0; ordinal < count; ordinal++)
            devices.Add(Device(api, ordinal, driver));
        return new CudaStatus(CudaDriverLibrary.Registration, library, true, version, count, null, devices, ilgpuDevices)
        {
            InitResult = init,
            MissingEntryPoints = missing,
        };
    }

    private static CudaDeviceStatus Device(CudaAPI api, int ordinal, CudaDriverVersion? driver)
    {
        var error = api.GetDevice(out var device, ordinal);
        if (error != CudaError.CUDA_SUCCESS)
            return new CudaDeviceStatus(ordinal, null, null, null, "cuDeviceGet: " + Error(api, error));
        api.GetDeviceName(out var name, device);
        error = api.GetDeviceComputeCapability(out var major, out var minor, device);
        if (error != CudaError.CUDA_SUCCESS)
            return new CudaDeviceStatus(ordinal, name, null, null, "compute capability: " + Error(api, error));
        var capability = $"{major}.{minor}";
        if (!CudaDevice.TryGetArchitecture(major, minor, out var architecture))
            return new CudaDeviceStatus(ordinal, name, capability, null, "ILGPU does not support this architecture");
        if (driver is null)
            return new CudaDeviceStatus(ordinal, name, capability, null, "the driver version is unknown");

        // ILGPU's default device predicate drops a device with no PTX ISA for this driver.
        var target = new CudaCapabilityContext(architecture).TargetArchitecture;
        if (!CudaAccelerator.TryGetInstructionSet(target, driver.Value, out var minDriver, out var isa))
            return new CudaDeviceStatus(ordinal, name, capability, null,
                $"ILGPU has no PTX ISA for target {target} with driver {driver.Value.Major}.{driver.Value.Minor} "
                + $"(needs ≥ {minDriver.Major}.{minDriver.Minor})");
        return new CudaDeviceStatus(ordinal, name, capability, $"{isa.Major}.{isa.Minor}", Enumerate(device));
    }

    /// <summary>
    /// Builds the device as ILGPU's enumeration does (its internal CudaDevice(int) constructor),
    /// to surface the exception the enumeration swallows; null when it succeeds.
    /// </summary>
    private static string? Enumerate(int device)
    {
        var constructor = typeof(CudaDevice).GetConstructor(BindingFlags.NonPublic | BindingFlags.Instance, [typeof(int)]);
        if (constructor is null)
            return null;
        try
        {
            constructor.Invoke([device]);
            return null;
        }
        catch (TargetInvocationException ex) when (ex.InnerException is { } inner)
        {
            return $"ILGPU's device setup failed: {inner.GetType().Name}: {inner.Message}";
        }
    }

    private static string Error(CudaAPI api, CudaError error) => $"{CudaResult.Describe((int)error)} ({api.GetErrorString(error)})";
}
