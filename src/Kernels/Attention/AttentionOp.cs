using CrsIlgpu.Kernels.Gemm;
using CrsIlgpu.Kernels.Sampling;
using CrsIlgpu.Kernels.Softmax;

namespace CrsIlgpu.Kernels.Attention;

/// <summary>
/// Scaled dot-product attention over (batch, head) pairs, from batched strided GEMMs and the row
/// softmax. Forward writes the attention matrix A (softmax backward needs it: keep it, or
/// <see cref="Recompute"/> it at backward); backward produces dq, dk, dv and uses the A-shaped
/// workspace for dA, then dS in place. With <see cref="AttentionSampling"/> dv and/or dk are
/// WTA-CRS estimates over the query rows.
/// </summary>
public static class AttentionOp
{
    public static float Scale(AttentionShape s) => 1f / MathF.Sqrt(s.HeadDim);

    /// <summary>attn = softmax(scale · q kᵀ) [B·H, L, L]; o = attn · v [B·H, L, Dh].</summary>
    public static void Forward(DeviceContext device, AttentionShape s, Tensor q, Tensor k, Tensor v, Tensor attn, Tensor o)
    {
        CheckHeads("attention_forward", s, q, k, v, o);
        OpCheck.Shape("attention_forward", attn, s.BatchHeads, s.Tokens, s.Tokens);
        int l = s.Tokens, dh = s.HeadDim, bh = s.BatchHeads;
        Scores(device, s, q, k, attn);
        GemmOp.Run(device, Problem(GemmLayout.NN, l, dh, l, bh, (long)l * l, (long)l * dh, (long)l * dh, 1f), attn, v, o);
    }

    /// <summary>
    /// attn = softmax(scale · q kᵀ) again, from the q and k forward kept: backward's copy of A when
    /// forward did not keep it (the same ops in the same order, so the same floats).
    /// </summary>
    public static void Recompute(DeviceContext device, AttentionShape s, Tensor q, Tensor k, Tensor attn)
    {
        CheckHeads("attention_recompute", s, q, k);
        OpCheck.Shape("attention_recompute", attn, s.BatchHeads, s.Tokens, s.Tokens);
        Scores(device, s, q, k, attn);
    }

    /// <summary>
    /// From dO: dv = Aᵀ dO, dA = dO vᵀ, dS = softmax'(A, dA), dq = scale · dS k, dk = scale · dSᵀ q.
    /// <paramref name="workspace"/> (shape of attn) is overwritten with dS. With
    /// <paramref name="sampling"/>, dv and/or dk are WTA-CRS estimates over the query rows.
    /// </summary>
    public static void Backward(DeviceContext device, AttentionShape s, Tensor q, Tensor k, Tensor v, Tensor attn, Tensor dO,
        Tensor dq, Tensor dk, Tensor dv, Tensor workspace, AttentionSampling? sampling = null)
    {
        CheckHeads("attention_backward", s, q, k, v, dO);
        CheckHeads("attention_backward", s, dq, dk, dv, dO);
        OpCheck.Shape("attention_backward", attn, s.BatchHeads, s.Tokens, s.Tokens);
        OpCheck.Shape("attention_backward", workspace, s.BatchHeads, s.Tokens, s.Tokens);
        int l = s.Tokens, dh = s.HeadDim, bh = s.BatchHeads;
        if (sampling is not null)
            OpCheck.That("attention_backward", sampling.Budget >= 1 && sampling.Budget <= l, $"sampling budget k = {sampling.Budget} must be in [1, L = {l}]");
        long headStride = (long)l * dh, attnStride = (long)l * l;
        if (sampling?.ValueLayer is { } valueLayer)
            WtaCrsBatchedEstimateOp.Estimate(device, attn, dO, dv, sampling.Budget, sampling.Seed, sampling.Step, valueLayer, estimator: sampling.Estimator);
        else
            GemmOp.Run(device, Problem(GemmLayout.TN, l, dh, l, bh, attnStride, headStride, headStride, 1f), attn, dO, dv);
        GemmOp.Run(device, Problem(GemmLayout.NT, l, l, dh, bh, headStride, headStride, attnStride, 1f), dO, v, workspace);
        SoftmaxOp.Backward(device, attn, workspace, workspace);
        GemmOp.Run(device, Problem(GemmLayout.NN, l, dh, l, bh, attnStride, headStride, headStride, Scale(s)), workspace, k, dq);
        if (sampling?.KeyLayer is { } keyLayer)
            WtaCrsBatchedEstimateOp.Estimate(device, workspace, q, dk, sampling.Budget, sampling.Seed, sampling.Step, keyLayer, Scale(s), sampling.Estimator);
        else
            GemmOp.Run(device, Problem(GemmLayout.TN, l, dh, l, bh, attnStride, headStride, headStride, Scale(s)), workspace, q, dk);
    }

    /// <summary>attn = softmax(scale · q kᵀ), in place.</summary>
    private static void Scores(DeviceContext device, AttentionShape s, Tensor q, Tensor k, Tensor attn)
    {
        int l = s.Tokens, dh = s.HeadDim, bh = s.BatchHeads;
        GemmOp.Run(device, Problem(GemmLayout.NT, l, l, dh, bh, (long)l * dh, (long)l * dh, (long)l * l, Scale(s)), q, k, attn);
        SoftmaxOp.Forward(device, attn, attn);
    }

    private static GemmProblem Problem(GemmLayout layout, int m, int n, int k, int batch, long strideA, long strideB, long strideC, float alpha) =>
        new(layout, m, n, k, batch, strideA, strideB, strideC, alpha, 0f);

    private static void CheckHeads(string op, AttentionShape s, params Tensor[] tensors)
    {
        foreach (var t in tensors)
            OpCheck.Shape(op, t, s.BatchHeads, s.Tokens, s.HeadDim);
    }
}
