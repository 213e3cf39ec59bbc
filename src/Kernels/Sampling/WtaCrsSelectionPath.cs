namespace CrsIlgpu.Kernels.Sampling;

/// <summary>How the kernel path runs a WTA-CRS selection (<see cref="WtaCrsSelectionPlan"/>); every path picks the same rows.</summary>
public enum WtaCrsSelectionPath
{
    /// <summary>
    /// <see cref="DeviceWide"/> for a single selection of at least
    /// <see cref="WtaCrsSelectionPlan.DeviceWideMinRows"/> rows, else <see cref="GroupPerProblem"/>.
    /// </summary>
    Auto,

    /// <summary>One launch, one thread group per problem (<see cref="WtaCrsSelectionKernels"/>).</summary>
    GroupPerProblem,

    /// <summary>A single selection spread over the device, every phase over many groups (<see cref="WtaCrsDeviceSelectionKernels"/>).</summary>
    DeviceWide,
}
