using CrsIlgpu.Kernels.Attention;
using CrsIlgpu.Kernels.Runtime;
using CrsIlgpu.Kernels.Runtime.Memory;

namespace CrsIlgpu.Kernels.Bench;

/// <summary>Bench cases of the attention layout changes at a ViT size.</summary>
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
            qkv, tq, tk, tv);

        var y = new float[n];
        var to = Head(device, s);
        var ty = new Tensor(device.Pool, MemoryTag.Workspace, "bench.y", s.Batch * s.Tokens, s.Dim);
        yield return new OpBenchCase(AttentionKernels.MergeHeadsName, $"[{s.BatchHeads}, {s.Tokens}, {s.HeadDim}]", 0, 2.0 * n * sizeof(float),
            () => AttentionLayoutOp.MergeHeads(device, s, to, ty),
            () => AttentionReference.MergeHeads(s, q, y),
            to, ty);
    }

    private static Tensor Head(DeviceContext device, AttentionShape s) =>
        new(device.Pool, MemoryTag.Workspace, "bench.head", s.BatchHeads, s.Tokens, s.HeadDim);
}
