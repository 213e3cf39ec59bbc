using CrsIlgpu.Kernels.Attention;
using CrsIlgpu.Kernels.Runtime.Memory;

namespace CrsIlgpu.Kernels.Bench;

/// <summary>
/// Bench cases of attention at a ViT size: the layout changes, then the attention core. Cases run in
/// order and later ones use tensors the earlier ones filled, so the last case owns the shared tensors.
/// </summary>
public static class AttentionBench
{
    public static IEnumerable<IOpBenchCase> Cases(DeviceContext device, OpBenchSize size)
    {
        var s = new AttentionShape(size.Batch, size.Tokens, size.Heads, size.HeadDim);
        var n = (int)s.HeadTensorLength;
        var qkvHost = BenchData.Uniform(3 * n, 1);
        var (q, k, v) = (new float[n], new float[n], new float[n]);
        var qkv = BenchData.Tensor(device, qkvHost, s.Batch * s.Tokens, 3 * s.Dim);
        var tq = Head(device, s);
        var tk = Head(device, s);
        var tv = Head(device, s);
        yield return new OpBenchCase(AttentionKernels.SplitQkvName, $"[{s.Batch * s.Tokens}, {3 * s.Dim}]", 0, 6.0 * n * sizeof(float),
            () => AttentionLayoutOp.SplitQkv(device, s, qkv, tq, tk, tv),
            () => AttentionReference.SplitQkv(s, qkvHost, q, k, v),
            qkv);

        var y = new float[n];
        var to = Head(device, s);
        var ty = new Tensor(device.Pool, MemoryTag.Workspace, "bench.y", s.Batch * s.Tokens, s.Dim);
        yield return new OpBenchCase(AttentionKernels.MergeHeadsName, $"[{s.BatchHeads}, {s.Tokens}, {s.HeadDim}]", 0, 2.0 * n * sizeof(float),
            () => AttentionLayoutOp.MergeHeads(device, s, to, ty),
            () => AttentionReference.MergeHeads(s, q, y),
            ty);

        // The attention core: two batched GEMMs and a softmax forward, four GEMMs and a softmax backward.
        var gemmFlops = 2.0 * s.BatchHeads * s.Tokens * s.Tokens * s.HeadDim;
        var dO = BenchData.Uniform(n, 2);
        var tdO = BenchData.Tensor(device, dO, s.BatchHeads, s.Tokens, s.HeadDim);
        var attn = Square(device, s);
        var work = Square(device, s);
        var (dq, dk, dv) = (Head(device, s), Head(device, s), Head(device, s));
        var core = $"BH={s.BatchHeads} L={s.Tokens} Dh={s.HeadDim}";
        double[] refAttn = [];
        var scoreBytes = 4.0 * s.BatchHeads * s.Tokens * s.Tokens;
        yield return new OpBenchCase("attention_forward", core, 2 * gemmFlops, 4.0 * 4 * n + 3 * scoreBytes,
            () => AttentionOp.Forward(device, s, tq, tk, tv, attn, to),
            () => refAttn = AttentionCoreReference.Forward(s, q, k, v).Attn);
        yield return new OpBenchCase("attention_backward", core, 4 * gemmFlops, 4.0 * 8 * n + 6 * scoreBytes,
            () => AttentionOp.Backward(device, s, tq, tk, tv, attn, tdO, dq, dk, dv, work),
            () => AttentionCoreReference.Backward(s, q, k, v, refAttn.Length > 0 ? refAttn : AttentionCoreReference.Forward(s, q, k, v).Attn, dO),
            tq, tk, tv, to, tdO, attn, work, dq, dk, dv);
    }

    private static Tensor Square(DeviceContext device, AttentionShape s) =>
        new(device.Pool, MemoryTag.Workspace, "bench.scores", s.BatchHeads, s.Tokens, s.Tokens);

    private static Tensor Head(DeviceContext device, AttentionShape s) =>
        new(device.Pool, MemoryTag.Workspace, "bench.head", s.BatchHeads, s.Tokens, s.HeadDim);
}
