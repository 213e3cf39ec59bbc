namespace CrsIlgpu.Kernels.Runtime.Driver;

/// <summary>
/// What the CUDA driver told us, step by step: the library, the API, the driver version, the
/// device count and each device. ILGPU swallows every failure on this path and reports "no
/// device"; this record keeps the facts, so `crs devices` and `--device cuda` can say why.
/// </summary>
public sealed record CudaStatus(
    string Resolver,
    CudaDriverSearch Library,
    bool ApiSupported,
    string? DriverVersion,
    int? DeviceCount,
    string? DeviceCountError,
    IReadOnlyList<CudaDeviceStatus> Devices,
    int IlgpuDevices)
{
    /// <summary>True when ILGPU enumerated at least one CUDA device.</summary>
    public bool Usable => IlgpuDevices > 0;

    /// <summary>One line of facts (no newline): why there is, or is no, usable CUDA device.</summary>
    public string Describe()
    {
        var parts = new List<string> { Library.Describe() };
        if (!ApiSupported)
        {
            parts.Add(Library.Loaded is null
                ? "so ILGPU's CUDA API is unavailable (no NVIDIA driver on this machine, or not where it was looked for)"
                : "ILGPU's CUDA API is unavailable although the library loaded (cuInit failed, or the driver lacks an entry point ILGPU binds)");
            return string.Join("; ", parts);
        }
        parts.Add($"driver API {DriverVersion ?? "version unknown"}");
        parts.Add(DeviceCountError is not null ? $"device count failed: {DeviceCountError}" : $"{DeviceCount} device(s)");
        parts.AddRange(Devices.Select(d => d.Describe()));
        parts.Add($"ILGPU enumerated {IlgpuDevices}");
        return string.Join("; ", parts);
    }
}
