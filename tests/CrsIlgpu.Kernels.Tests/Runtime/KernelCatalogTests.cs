using System.Text.RegularExpressions;

namespace CrsIlgpu.Kernels.Tests.Runtime;

/// <summary>
/// A kernel cannot be half-registered: every method the sources load as a kernel is a catalog
/// entry's method (so the PTX gate, the profiler and Nsight's names see it), and every family is found.
/// </summary>
public class KernelCatalogTests
{
    [Fact]
    public void EveryKernelTheSourcesLoadIsCatalogued()
    {
        var loaded = LoadedKernelMethods().ToList();
        Assert.True(loaded.Count >= 40, $"found only {loaded.Count} kernel loads: the source scan is broken");
        var catalogued = KernelCatalog.All.Select(e => (e.Method.DeclaringType!.Name, e.Method.Name)).ToHashSet();
        var missing = loaded.Where(k => !catalogued.Contains(k)).Select(k => $"{k.Type}.{k.Method}").ToList();
        Assert.True(missing.Count == 0, "loaded but not in KernelCatalog: " + string.Join(", ", missing));
    }

    [Fact]
    public void EveryCatalogEntryIsAKernelTheSourcesLoad()
    {
        var loaded = LoadedKernelMethods().ToHashSet();
        var unused = KernelCatalog.All.Where(e => !loaded.Contains((e.Method.DeclaringType!.Name, e.Method.Name))).Select(e => e.Name).ToList();
        Assert.True(unused.Count == 0, "catalogued but never loaded: " + string.Join(", ", unused));
    }

    [Fact]
    public void FamiliesAreFoundByReflectionInAStableOrder()
    {
        var families = KernelCatalog.Families().Select(f => f.DeclaringType!.Name).ToList();
        Assert.Contains("GemmKernels", families);
        Assert.Contains("AxpbyKernels", families);
        Assert.Equal(families.Distinct().Count(), families.Count);
        var names = KernelCatalog.Families().Select(f => f.DeclaringType!.FullName).ToList();
        Assert.Equal(names, names.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void TheSourceScanFindsALoadWithNestedTypeArguments()
    {
        const string source = "device.Kernel(Name, acc => acc.LoadStreamKernel<ArrayView<float>, ArrayView<int>, int>(MyKernel))";
        Assert.Equal(["MyKernel"], KernelLoads(source));
    }

    /// <summary>(class, method) of every <c>Load…Kernel&lt;…&gt;(Method)</c> in src/Kernels (bench and the PTX compiler load what the catalog
    /// lists).</summary>
    private static IEnumerable<(string Type, string Method)> LoadedKernelMethods()
    {
        var root = Path.Combine(RepositoryRoot.Path, "src", "Kernels");
        foreach (var file in Directory.EnumerateFiles(root, "*.cs", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(root, file);
            if (relative.StartsWith("bin") || relative.StartsWith("obj") || relative.StartsWith("Bench") || relative.EndsWith("PtxCompiler.cs"))
                continue;
            foreach (var method in KernelLoads(File.ReadAllText(file)))
                yield return (Path.GetFileNameWithoutExtension(file), method);
        }
    }

    /// <summary>The method names passed to ILGPU's Load…Kernel&lt;…&gt;(…) calls in a source text (type arguments may nest).</summary>
    private static List<string> KernelLoads(string source)
    {
        var result = new List<string>();
        foreach (Match m in Regex.Matches(source, @"\.Load\w*Kernel<"))
        {
            var i = m.Index + m.Length;
            for (var depth = 1; depth > 0 && i < source.Length; i++)
                depth += source[i] switch { '<' => 1, '>' => -1, _ => 0 };
            var call = Regex.Match(source[i..], @"^\(\s*(\w+)\s*\)");
            Assert.True(call.Success,
                $"a kernel load not of the form Load…Kernel<…>(Method): {source.Substring(m.Index, Math.Min(120, source.Length - m.Index))}");
            result.Add(call.Groups[1].Value);
        }
        return result;
    }
}
