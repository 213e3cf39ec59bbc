using System.Reflection;

namespace CrsIlgpu.Kernels.Runtime;

/// <summary>One kernel of the catalog: its stable name (as profiles and benches show it), its entry method and the PTX entry name Nsight tools show.</summary>
public sealed record KernelEntry(string Name, string Family, MethodInfo Method, KernelGrouping Grouping, string Description)
{
    /// <summary>
    /// The entry name ILGPU gives the kernel in PTX, and so what Nsight Compute and nsys show:
    /// "Kernel_" + the C# method name (checked against the compiled PTX by a test).
    /// </summary>
    public string PtxEntryName => "Kernel_" + Method.Name;
}
