namespace CrsIlgpu.Kernels.Optim;

/// <summary>
/// Plain C# of the optimizer ops, the ground truth of the tests: PyTorch's formulas written out
/// literally, every intermediate in double (including the bias corrections, computed here and not
/// taken from <see cref="AdamStepScalars"/>); only the stored state is fp32.
/// </summary>
public static class OptimReference
{
    /// <summary>One Adam/AdamW step of torch.optim.Adam / AdamW (non-amsgrad) on fp32 state.</summary>
    public static void Adam(Span<float> p, ReadOnlySpan<float> g, Span<float> m, Span<float> v, AdamHyperParameters hp, int step, float gradScale = 1f)
    {
        var (lr, beta1, beta2, eps, wd) = (hp.LearningRate, hp.Beta1, hp.Beta2, hp.Epsilon, hp.WeightDecay);
        for (var i = 0; i < p.Length; i++)
        {
            double param = p[i];
            var grad = gradScale * (double)g[i];
            if (hp.DecayMode == AdamDecayMode.L2)
                grad += wd * param;
            else
                param -= lr * wd * param;
            var mi = beta1 * m[i] + (1 - beta1) * grad;
            var vi = beta2 * v[i] + (1 - beta2) * grad * grad;
            var mHat = mi / (1 - Math.Pow(beta1, step));
            var vHat = vi / (1 - Math.Pow(beta2, step));
            param -= lr * mHat / (Math.Sqrt(vHat) + eps);
            m[i] = (float)mi;
            v[i] = (float)vi;
            p[i] = (float)param;
        }
    }

    /// <summary>sqrt of the sum of squares of every element of every tensor, summed in double.</summary>
    public static double GlobalNorm(IEnumerable<float[]> grads)
    {
        double sum = 0;
        foreach (var grad in grads)
            foreach (var value in grad)
                sum += (double)value * value;
        return Math.Sqrt(sum);
    }

    /// <summary>torch.nn.utils.clip_grad_norm_: min(1, maxNorm / (norm + 1e-6)).</summary>
    public static double ClipScale(double norm, double maxNorm) => Math.Min(1.0, maxNorm / (norm + 1e-6));
}
