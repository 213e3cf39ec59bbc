using static CrsIlgpu.Kernels.Tests.Gemm.GemmPtxLoop;

namespace CrsIlgpu.Kernels.Tests.Gemm;

/// <summary>
/// The TF32 GEMM's PTX, compiled without a GPU as the runtime compiles it: the tensor-core
/// instruction in the K-loop, 16 per K-step per warp with 24 scalar shared loads of fragments, the
/// inputs rounded with cvt.rna.tf32.f32, and (where ptxas is installed) no spills and no stack for
/// sm_80 and sm_90.
/// </summary>
public class GemmTf32PtxTests
{
    private const string Mma = "mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32";

    [Theory]
    [MemberData(nameof(EveryLayoutOnSm80And90), MemberType = typeof(GemmPtxLoop))]
    public void KLoopHoldsSixteenMmaAndTwentyFourFragmentLoads(GemmLayout layout, int sm)
    {
        string ptx = Ptx(GemmTf32Kernels.NameFor(layout), sm);

        var loop = Tf32Loop(ptx);
        Assert.Equal(16, Count(loop, Mma));
        // 4 m16 tiles × (a0..a3) + 4 n8 tiles × (b0, b1), one scalar 32-bit load each.
        Assert.Equal(24, Count(loop, "ld.shared.f32"));
        Assert.Equal(0, Count(loop, "ld.shared.v4"));
        // The next tile's quads: fetched (128-bit where aligned), rounded, stored with st.shared.v4.
        Assert.Equal(8, Count(loop, "cvt.rna.tf32.f32"));
        Assert.Equal(2, Count(loop, "st.shared.v4.f32"));
        Assert.Contains("ld.global.v4.f32", loop);
        Assert.Equal(1, Count(loop, "bar.sync"));
        Assert.Equal(2, Count(ptx, "bar.sync"));
        // The emulation is compiled but dead: its shuffles sit only behind the constant predicate.
        Assert.Equal(0, Count(loop, "shfl"));
    }

    /// <summary>The sampled TF32 kernels keep the dense K-loop: 16 mma on 24 fragment loads, the gather only in the global loads.</summary>
    [Theory]
    [InlineData(SampledGemmForm.Gather, 80)]
    [InlineData(SampledGemmForm.PreSampled, 90)]
    public void SampledKLoopHoldsTheSameMma(SampledGemmForm form, int sm)
    {
        string ptx = Ptx(SampledGemmLargeKernels.NameFor(form, MatmulPrecision.Tf32), sm);
        var loop = Tf32Loop(ptx);
        Assert.Equal(16, Count(loop, Mma));
        Assert.Equal(24, Count(loop, "ld.shared.f32"));
        Assert.Equal(8, Count(loop, "cvt.rna.tf32.f32"));
        Assert.Equal(2, Count(ptx, "bar.sync"));
    }

    [Theory]
    [InlineData(80)]
    [InlineData(90)]
    public void AssemblesWithoutSpillsOrStack(int sm)
    {
        var ptxas = Ptxas.Find();
        if (ptxas is null)
            Assert.Skip("ptxas not installed");
        var dir = Directory.CreateTempSubdirectory("crs-ptx-tf32-").FullName;
        var rows = PtxGate.Run(GemmTf32Kernels.Catalog, [sm], dir, ptxas);
        foreach (var row in rows)
        {
            Assert.True(row.Status == PtxGate.Ok, $"{row.Kernel}: {row.Error}");
            var r = row.Report!;
            Assert.True(r.SpillStoreBytes == 0 && r.SpillLoadBytes == 0 && r.StackBytes == 0,
                $"{row.Kernel} sm_{sm}: {r.Registers} registers, spills {r.SpillStoreBytes}/{r.SpillLoadBytes} B, stack {r.StackBytes} B");
            // Two stages of A and B: 2 × 2 × 384 quads of 16 bytes.
            Assert.Equal(2 * 2 * 384 * 16, r.SharedBytes);
        }
    }

    /// <summary>
    /// The K-loop's instructions, once each: the PTX's basic blocks that lie on a cycle through the
    /// block holding the first mma, in the control-flow graph reachable from the entry. ILGPU places
    /// blocks out of order (the mma block sits far from the loop head) and compiles the CPU
    /// emulation's branch too, behind a constant predicate (mov.pred %p, 1) that ptxas folds; edges
    /// a constant predicate never takes are dropped here, so the emulation's shuffles are not counted.
    /// Alternative paths (128-bit or scalar global loads) both appear.
    /// </summary>
    internal static string Tf32Loop(string ptx)
    {
        var (blocks, successors, live) = ControlFlow(ptx);
        HashSet<int> Reach(int from) => Reachable(successors, from);
        int mmaBlock = Enumerable.Range(0, blocks.Count).FirstOrDefault(b => live.Contains(b) && blocks[b].Any(l => l.StartsWith("mma.sync",
            StringComparison.Ordinal)), -1);
        Assert.True(mmaBlock >= 0, "no reachable mma.sync in the PTX");
        var fromMma = Reach(mmaBlock);
        Assert.True(fromMma.Contains(mmaBlock), "the mma instructions are not inside a loop");
        var loop = fromMma.Where(b => Reach(b).Contains(mmaBlock)).OrderBy(b => b);
        return string.Join('\n', loop.SelectMany(b => blocks[b]));
    }

    /// <summary>The instructions of the blocks reachable from the entry (constant predicates folded).</summary>
    internal static string LiveCode(string ptx)
    {
        var (blocks, _, live) = ControlFlow(ptx);
        return string.Join('\n', live.OrderBy(b => b).SelectMany(b => blocks[b]));
    }

    private static HashSet<int> Reachable(List<List<int>> successors, int from)
    {
        var seen = new HashSet<int>();
        var stack = new Stack<int>(successors[from]);
        while (stack.Count > 0)
        {
            int b = stack.Pop();
            if (seen.Add(b))
            {
                foreach (var s in successors[b])
                    stack.Push(s);
            }
        }
        return seen;
    }

    /// <summary>Basic blocks of the (single) entry, their successors, and the blocks reachable from the first.</summary>
    private static (List<List<string>> Blocks, List<List<int>> Successors, HashSet<int> Live) ControlFlow(string ptx)
    {
        var lines = ptx.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0).ToList();
        int bodyStart = lines.FindIndex(l => l == "{");
        var constants = new Dictionary<string, bool>();
        var blocks = new List<List<string>>();
        var labels = new Dictionary<string, int>();
        var current = new List<string>();
        blocks.Add(current);
        foreach (var line in lines.Skip(bodyStart + 1))
        {
            if (line.EndsWith(':'))
            {
                if (current.Count > 0)
                    blocks.Add(current = []);
                labels[line.TrimEnd(':')] = blocks.Count - 1;
                continue;
            }
            current.Add(line);
            if (line.StartsWith("mov.pred", StringComparison.Ordinal))
            {
                var ops = line["mov.pred".Length..].TrimEnd(';').Split(',', StringSplitOptions.TrimEntries);
                if (ops[1] is "1" or "0")
                    constants[ops[0]] = ops[1] == "1";
            }
            if (line.Contains("bra", StringComparison.Ordinal) || line.StartsWith("ret", StringComparison.Ordinal))
                blocks.Add(current = []);
        }

        List<int> Successors(int b)
        {
            var last = blocks[b].LastOrDefault() ?? "";
            var next = b + 1 < blocks.Count ? new List<int> { b + 1 } : [];
            if (last.StartsWith("ret", StringComparison.Ordinal))
                return [];
            int bra = last.IndexOf("bra", StringComparison.Ordinal);
            if (bra < 0)
                return next;
            var tokens = last.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            int target = labels[tokens[^1].TrimEnd(';')];
            if (!last.StartsWith('@'))
                return [target];
            string guard = tokens[0][1..];
            bool negated = guard.StartsWith('!');
            if (constants.TryGetValue(negated ? guard[1..] : guard, out bool value))
                return value != negated ? [target] : next;
            return [target, .. next];
        }

        var successors = Enumerable.Range(0, blocks.Count).Select(Successors).ToList();
        var live = Reachable(successors, 0);
        live.Add(0);
        return (blocks, successors, live);
    }
}
