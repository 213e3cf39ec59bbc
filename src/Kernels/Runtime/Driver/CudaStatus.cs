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
    /// <summary>
    /// What cuInit(0) returned when the probe called it through the loaded library itself (null: no
    /// library loaded, or it exports no cuInit). ILGPU keeps only "supported or not".
    /// </summary>
    public int? InitResult { get; init; }

    /// <summary>The entry points ILGPU binds that the loaded library lacks (<see cref="CudaEntryPoints"/>); empty when none or no library.</summary>
    public IReadOnlyList<string> MissingEntryPoints { get; init; } = [];

    /// <summary>True when ILGPU enumerated at least one CUDA device.</summary>
    public bool Usable => IlgpuDevices > 0;

    /// <summary>One line of facts (no newline): why there is, or is no, usable CUDA device.</summary>
    public string Describe()
    {
        var parts = new List<string> { Library.Describe() };
        if (!ApiSupported)
        {
            if (Library.Loaded is null)
            {
                parts.Add("so ILGPU's CUDA API is unavailable (no NVIDIA driver on this machine, or not where it was looked for)");
                return string.Join("; ", parts);
            }
            parts.Add("ILGPU's CUDA API is unavailable although the library loaded");
            if (MissingEntryPoints.Count > 0)
                parts.Add(CudaEntryPoints.DescribeMissing(MissingEntryPoints, Library.Loaded));
            parts.Add(InitResult switch
            {
                null => "cuInit could not be called (not exported)",
                CudaResult.Success => "cuInit succeeded when called directly, so ILGPU failed on something else",
                { } code => $"cuInit returned {CudaResult.Describe(code)}",
            });
            return string.Join("; ", parts);
        }
        parts.Add($"driver API {DriverVersion ?? "version unknown"}");
        if (MissingEntryPoints.Count > 0)
            parts.Add(CudaEntryPoints.DescribeMissing(MissingEntryPoints, Library.Loaded ?? "the driver library"));
        parts.Add(DeviceCountError is not null ? $"device count failed: {DeviceCountError}" : $"{DeviceCount} device(s)");
        parts.AddRange(Devices.Select(d => d.Describe()));
        parts.Add($"ILGPU enumerated {IlgpuDevices}");
        return string.Join("; ", parts);
    }
}
