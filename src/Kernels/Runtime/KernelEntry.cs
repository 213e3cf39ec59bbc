using System.Reflection;

namespace CrsIlgpu.Kernels.Runtime;

/// <summary>One kernel of the catalog: its stable name (as profiles and ncu see it) and its entry method.</summary>
public sealed record KernelEntry(string Name, string Family, MethodInfo Method, KernelGrouping Grouping, string Description);
