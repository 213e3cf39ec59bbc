namespace CrsIlgpu.Kernels.Runtime;

/// <summary>One kernel × architecture of the PTX gate. Status: ok, ptx-only (no ptxas here), failed.</summary>
public sealed record PtxGateRow(string Kernel, string Arch, string Status, PtxasReport? Report, string? PtxFile, string? Error)
{
    public bool Failed => Status == PtxGate.Failed;
}
