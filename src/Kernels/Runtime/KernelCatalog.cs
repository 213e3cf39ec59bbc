using System.Reflection;

namespace CrsIlgpu.Kernels.Runtime;

/// <summary>Every kernel of the project by its stable name, for the PTX gate, benches and the profiler.</summary>
public static class KernelCatalog
{
    private static readonly Lazy<IReadOnlyList<KernelEntry>> Entries = new(() =>
    {
        // Every family's catalog, found by reflection: a new family's kernels are catalogued (and so
        // in the PTX gate, the profiler's phases and Nsight's names) without a line here.
        var all = Families().SelectMany(f => (IReadOnlyList<KernelEntry>)f.GetValue(null)!).ToList();
        var names = all.GroupBy(e => e.Name).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        if (names.Count > 0)
            throw new InvalidOperationException("duplicate kernel names: " + string.Join(", ", names));
        return all;
    });

    /// <summary>
    /// The families: every type of this assembly with a public static <c>Catalog</c> property of
    /// kernel entries, in namespace-then-type order (a stable order for listings).
    /// </summary>
    public static IReadOnlyList<PropertyInfo> Families() =>
        typeof(KernelCatalog).Assembly.GetTypes()
            .Select(t => t.GetProperty("Catalog", BindingFlags.Public | BindingFlags.Static))
            .Where(p => p is not null && p.PropertyType == typeof(IReadOnlyList<KernelEntry>))
            .Select(p => p!)
            .OrderBy(p => p.DeclaringType!.FullName, StringComparer.Ordinal)
            .ToList();

    public static IReadOnlyList<KernelEntry> All => Entries.Value;

    /// <summary>The entry of that name, or null (CPU-backend-only profile names such as "layernorm_backward" have none).</summary>
    public static KernelEntry? Find(string name) => All.FirstOrDefault(e => e.Name == name);

    public static KernelEntry Get(string name) =>
        All.FirstOrDefault(e => e.Name == name)
        ?? throw new CrsException($"no kernel named '{name}'; known kernels: {string.Join(", ", All.Select(e => e.Name))}");
}
