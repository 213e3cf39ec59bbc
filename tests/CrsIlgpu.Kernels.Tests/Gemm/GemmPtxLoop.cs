namespace CrsIlgpu.Kernels.Tests.Gemm;

/// <summary>
/// Counts the innermost GEMM loop in ILGPU's PTX. With loop unrolling off (ILGPU 1.5.3) the
/// k-loop over a shared tile is one PTX loop: from the label before the first shared load to the
/// branch back to that label. In it, a multiply-add is either fma.rn.f32 or a mul.f32 whose result
/// the next instruction's add.f32 consumes — ILGPU writes acc + a·b that way and ptxas contracts
/// each such pair into one FFMA (--fmad=true, also the driver JIT's default). Shared loads are all
/// ld.shared instructions in the loop, vector or scalar.
/// </summary>
internal sealed record GemmPtxLoop(string Body, int SharedLoads, int MultiplyAdds)
{
    public static GemmPtxLoop InnerLoop(string ptx)
    {
        var lines = ptx.Split('\n').Select(l => l.Trim()).ToList();
        int firstLoad = lines.FindIndex(l => l.StartsWith("ld.shared.", StringComparison.Ordinal));
        Assert.True(firstLoad >= 0, "no shared load in the PTX");
        int labelLine = lines.FindLastIndex(firstLoad, l => l.EndsWith(':'));
        Assert.True(labelLine >= 0, "no label before the first shared load");
        string label = lines[labelLine].TrimEnd(':');
        int backEdge = lines.FindIndex(firstLoad, l => l.StartsWith("bra", StringComparison.Ordinal) && l.EndsWith(label + ";", StringComparison.Ordinal));
        Assert.True(backEdge > firstLoad, $"no branch back to {label}: the shared loads are not in a loop");
        var body = lines.GetRange(labelLine, backEdge - labelLine + 1);

        int sharedLoads = body.Count(l => l.StartsWith("ld.shared.", StringComparison.Ordinal));
        int multiplyAdds = body.Count(l => l.StartsWith("fma.rn.f32", StringComparison.Ordinal));
        for (int i = 0; i + 1 < body.Count; i++)
        {
            if (!body[i].StartsWith("mul.f32", StringComparison.Ordinal) || !body[i + 1].StartsWith("add.f32", StringComparison.Ordinal))
                continue;
            string product = Operands(body[i])[0];
            if (Operands(body[i + 1]).Skip(1).Contains(product))
                multiplyAdds++;
        }
        return new GemmPtxLoop(string.Join('\n', body), sharedLoads, multiplyAdds);
    }

    /// <summary>"mul.f32 %f1, %f2, %f3;" → ["%f1", "%f2", "%f3"].</summary>
    private static string[] Operands(string instruction)
    {
        int space = instruction.IndexOfAny([' ', '\t']);
        return instruction[(space + 1)..].TrimEnd(';').Split(',', StringSplitOptions.TrimEntries);
    }

    /// <summary>Every GEMM layout on Ampere (sm_80) and on Hopper (sm_90).</summary>
    public static TheoryData<GemmLayout, int> EveryLayoutOnSm80And90()
    {
        var data = new TheoryData<GemmLayout, int>();
        foreach (var sm in new[] { 80, 90 })
            foreach (GemmLayout layout in Enum.GetValues<GemmLayout>())
                data.Add(layout, sm);
        return data;
    }

    /// <summary>
    /// The catalog kernel <paramref name="kernel"/> compiled for sm_<paramref name="sm"/> as the runtime compiles it
    /// (<see cref="PtxCompiler"/>).
    /// </summary>
    public static string Ptx(string kernel, int sm)
    {
        using var compiler = new PtxCompiler();
        return compiler.Compile(KernelCatalog.Get(kernel), sm);
    }

    /// <summary>Occurrences of <paramref name="token"/> in a PTX text (or a loop body).</summary>
    public static int Count(string text, string token)
    {
        int count = 0;
        for (int i = text.IndexOf(token, StringComparison.Ordinal); i >= 0; i = text.IndexOf(token, i + token.Length, StringComparison.Ordinal))
            count++;
        return count;
    }
}
