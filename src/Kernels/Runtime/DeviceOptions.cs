namespace CrsIlgpu.Kernels.Runtime;

/// <summary>Everything that decides how a <see cref="DeviceContext"/> is built.</summary>
public sealed record DeviceOptions
{
    public DeviceKind Kind { get; init; } = DeviceKind.Auto;

    /// <summary>
    /// Which CUDA device (the driver's ordinal, as nvidia-smi numbers them) when CUDA is used; null:
    /// the first one ILGPU enumerated. The device probe opens each device by it.
    /// </summary>
    public int? CudaDevice { get; init; }

    /// <summary>Null: kernels on CUDA, the C# backend on the CPU.</summary>
    public ExecutionMode? Mode { get; init; }

    /// <summary>Bytes the pool may reserve from the driver; null means no limit but the device's.</summary>
    public long? MemoryLimit { get; init; }

    public bool RecordMemoryTimeline { get; init; }

    public bool Profile { get; init; }

    /// <summary>How every dense GEMM multiplies on the kernel path (<see cref="Runtime.MatmulPrecision"/>).</summary>
    public MatmulPrecision MatmulPrecision { get; init; } = MatmulPrecision.Fp32;
}
