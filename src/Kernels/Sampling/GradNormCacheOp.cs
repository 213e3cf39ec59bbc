namespace CrsIlgpu.Kernels.Sampling;

/// <summary>Entry points of the gradient-norm cache (see <see cref="GradNormCacheKernels"/>).</summary>
public static class GradNormCacheOp
{
    /// <summary>scores[r] = ‖x_r‖ · cached ‖G‖ of row r (1 when none is cached), for N = examples·tokens rows.</summary>
    public static void Scores(DeviceContext device, Tensor xNorms, Tensor cache, IntTensor examples, Tensor scores, int tokens)
    {
        const string op = GradNormCacheKernels.ScoresName;
        Check(op, xNorms, cache, examples, tokens);
        OpCheck.SameShape(op, xNorms, scores);
        if (device.IsPlanning || scores.Length == 0)
            return;
        using var _ = device.Profiler.Launch(op, scores.Length, 16.0 * scores.Length);
        if (device.Mode == ExecutionMode.Kernels)
            GradNormCacheKernels.LaunchScores(device, xNorms.View, cache.View, examples.View, scores.View, tokens);
        else
            GradNormCacheCpu.Scores(xNorms.AsSpan(), cache.AsSpan(), examples.AsSpan(), scores.AsSpan(), tokens);
    }

    private static void Check(string op, Tensor norms, Tensor cache, IntTensor examples, int tokens)
    {
        OpCheck.That(op, tokens > 0 && norms.Length == (long)examples.Count * tokens,
            $"'{norms.Label}' {norms.ShapeText} must hold {examples.Count} examples × {tokens} tokens");
        var slots = cache.Length / tokens;
        if (examples.HostRange is { } range)
            OpCheck.That(op, range.Min >= 0 && range.Max < slots, $"example ids must be in [0, {slots}), got {range.Min}..{range.Max}");
    }
}
