using System.Reflection;
using System.Text.RegularExpressions;
using CrsIlgpu.Kernels.Numerics;
using CrsIlgpu.Kernels.Tests.Gemm;
using ILGPU;
using ILGPU.Runtime;

namespace CrsIlgpu.Kernels.Tests.Sampling;

/// <summary>
/// FMA contraction decided in the PTX the runtime compiles (docs/ARCHITECTURE.md, "FMA contraction"). The
/// kernels whose results must be the C# reference's bits — the WTA-CRS selection on both paths, the row
/// norms its scores are made of, the gradient-norm cache's scores — hold no product that ptxas or the
/// driver's JIT may fuse: in the code reachable from the entry (ExactFloat's plain branch is compiled
/// too, behind a constant predicate) there is no plain mul.f32/f64 and no fma or mad on floats. A
/// contraction needs a plain mul, so plain adds and subtracts may stay. A plain a·b + c is caught.
/// </summary>
public partial class ExactKernelPtxTests
{
    /// <summary>Every kernel exact by construction; <see cref="TheListHoldsEverySelectionKernel"/> keeps it complete.</summary>
    public static readonly string[] ExactKernels =
    [
        RowNormsKernels.Name,
        GradNormCacheKernels.ScoresName,
        WtaCrsSelectionKernels.Name,
        WtaCrsDeviceSelectionKernels.ScoresName,
        WtaCrsDeviceSelectionKernels.ChunkSumsName,
        WtaCrsDeviceSelectionKernels.ChunkOffsetsName,
        WtaCrsDeviceSelectionKernels.SortTilesName,
        WtaCrsDeviceSelectionKernels.MergeName,
        WtaCrsDeviceSelectionKernels.PrefixArgMinName,
        WtaCrsDeviceSelectionKernels.DrawName,
    ];

    public static TheoryData<string, int> ExactKernelsOnSm80And90()
    {
        var data = new TheoryData<string, int>();
        foreach (var sm in new[] { 80, 90 })
            foreach (var kernel in ExactKernels)
                data.Add(kernel, sm);
        return data;
    }

    [Theory]
    [MemberData(nameof(ExactKernelsOnSm80And90))]
    public void NoProductCanBeContracted(string kernel, int sm)
    {
        var ptx = GemmPtxLoop.Ptx(kernel, sm);
        var live = GemmTf32PtxTests.LiveCode(ptx);
        var fusible = Contractible(live);
        Assert.True(fusible.Count == 0, $"{kernel} sm_{sm}: {string.Join("; ", fusible)}");
        // Its products are there, as mul.rn (the kernels without a product only add, compare and move).
        var products = Regex.Matches(ptx, @"\bmul\.f32\b").Count;
        Assert.Equal(products, Regex.Matches(live, @"\bmul\.rn\.f32\b").Count);
    }

    /// <summary>A new selection or score kernel joins the rule: every Sampling kernel but the sampled GEMMs and the row gather is listed.</summary>
    [Fact]
    public void TheListHoldsEverySelectionKernel()
    {
        var selection = KernelCatalog.All
            .Where(k => k.Family == "Sampling" && !k.Name.StartsWith("sampled_gemm", StringComparison.Ordinal) && k.Name != RowGatherKernels.GatherName)
            .Select(k => k.Name);
        Assert.Equal(selection.Order(), ExactKernels.Order());
    }

    [Fact]
    public void APlainMultiplyAddIsContractible()
    {
        var live = GemmTf32PtxTests.LiveCode(Compile(nameof(PlainMultiplyAdd)));
        var product = Assert.Single(Contractible(live));
        // ILGPU writes the product, then the add that consumes it (through a mov): what ptxas turns into one FFMA.
        var register = Operands(product)[0];
        Assert.Contains(live.Split('\n'), line => line.StartsWith("add.f32", StringComparison.Ordinal) && Reads(live, line, register));
    }

    [Fact]
    public void ExactFloatLeavesNothingToContract()
    {
        var ptx = Compile(nameof(ExactMultiplyAdd));
        var live = GemmTf32PtxTests.LiveCode(ptx);
        Assert.Empty(Contractible(live));
        Assert.Contains("mul.rn.f32", live);
        Assert.Contains("add.f32", live);
        // The plain branch is in the text, and only the constant predicate keeps it out of what runs.
        Assert.NotEmpty(Contractible(ptx));
    }

    private static void PlainMultiplyAdd(Index1D i, ArrayView<float> a, ArrayView<float> b, ArrayView<float> c) => c[i] = a[i] * b[i] + c[i];

    private static void ExactMultiplyAdd(Index1D i, ArrayView<float> a, ArrayView<float> b, ArrayView<float> c) =>
        c[i] = ExactFloat.Mul(a[i], b[i]) + c[i];

    private static string Compile(string method)
    {
        using var compiler = new PtxCompiler();
        var entry = new KernelEntry("test_" + method, "Test", typeof(ExactKernelPtxTests).GetMethod(method, BindingFlags.Static | BindingFlags.NonPublic)!,
            KernelGrouping.Implicit, "");
        return compiler.Compile(entry, 80);
    }

    /// <summary>
    /// Instructions that may fuse a product: mul on f32/f64 without a rounding modifier (.rn/.rz/.rm/.rp), and any fma or
    /// mad on floats (a fused result is not the reference's either). Integer mad.lo and mul.lo/wide do not match.
    /// </summary>
    internal static List<string> Contractible(string ptx) =>
        ptx.Split('\n').Select(l => l.Trim()).Where(l => ContractibleRegex().IsMatch(l)).ToList();

    [GeneratedRegex(@"^(@!?%p\d+\s+)?(mul(\.ftz)?(\.sat)?\.f(32|64)|fma\.|mad(\.r[nzmp])?(\.ftz)?(\.sat)?\.f(32|64))\s")]
    private static partial Regex ContractibleRegex();

    /// <summary>"mul.f32 %f1, %f2, %f3;" → ["%f1", "%f2", "%f3"].</summary>
    private static string[] Operands(string instruction)
    {
        var space = instruction.IndexOfAny([' ', '\t']);
        return instruction[(space + 1)..].TrimEnd(';').Split(',', StringSplitOptions.TrimEntries);
    }

    /// <summary>Whether <paramref name="instruction"/> reads <paramref name="register"/> itself or a mov.f32 copy of it.</summary>
    private static bool Reads(string ptx, string instruction, string register)
    {
        var copies = new HashSet<string> { register };
        foreach (var line in ptx.Split('\n').Select(l => l.Trim()).Where(l => l.StartsWith("mov.f32", StringComparison.Ordinal)))
        {
            var ops = Operands(line);
            if (copies.Contains(ops[1]))
                copies.Add(ops[0]);
        }
        return Operands(instruction).Skip(1).Any(copies.Contains);
    }
}
