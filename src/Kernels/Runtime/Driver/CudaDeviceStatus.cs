namespace CrsIlgpu.Kernels.Runtime.Driver;

/// <summary>One CUDA device as the driver reports it, and why ILGPU cannot use it (null when it can).</summary>
public sealed record CudaDeviceStatus(int Ordinal, string? Name, string? ComputeCapability, string? InstructionSet, string? Problem)
{
    public string Describe() =>
        $"device {Ordinal}: {Name ?? "?"} (sm {ComputeCapability ?? "?"}, PTX ISA {InstructionSet ?? "none"})"
        + (Problem is null ? " ok" : $" unusable: {Problem}");
}
