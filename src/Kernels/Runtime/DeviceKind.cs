namespace CrsIlgpu.Kernels.Runtime;

/// <summary>Which device the user asked for with --device.</summary>
public enum DeviceKind
{
    Auto,
    Cuda,
    Cpu,
}
