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

    /// <summary>
    /// The catalog of one kernel family: a row (name, method, grouping, description) per kernel, its
    /// method the static method of that name (public or internal) of <paramref name="kernels"/>.
    /// </summary>
    public static IReadOnlyList<KernelEntry> CatalogOf(
        Type kernels, string family, params ReadOnlySpan<(string Name, string Method, KernelGrouping Grouping, string Description)> rows)
    {
        var entries = new List<KernelEntry>(rows.Length);
        foreach (var (name, method, grouping, description) in rows)
        {
            var entry = kernels.GetMethod(method, BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static)
                ?? throw new InvalidOperationException($"kernel method {kernels.Name}.{method} not found");
            entries.Add(new KernelEntry(name, family, entry, grouping, description));
        }
        return entries;
    }
}

/// <summary>How a kernel is launched: explicit groups (KernelConfig, shared memory) or implicit (auto-grouped index).</summary>
public enum KernelGrouping
{
    Explicit,
    Implicit,
}
