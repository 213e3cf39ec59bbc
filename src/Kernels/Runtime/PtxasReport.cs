namespace CrsIlgpu.Kernels.Runtime;

/// <summary>What `ptxas -v` says of one kernel: resources per thread and per group.</summary>
public sealed record PtxasReport(int Registers, long SharedBytes, long SpillStoreBytes, long SpillLoadBytes, long StackBytes);
