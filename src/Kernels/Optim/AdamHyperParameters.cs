namespace CrsIlgpu.Kernels.Optim;

/// <summary>
/// Adam / AdamW settings, as torch.optim.Adam and torch.optim.AdamW take them (non-amsgrad).
/// The step-dependent scalars come from <see cref="AdamStepScalars.For"/>.
/// </summary>
public sealed record AdamHyperParameters(
    float LearningRate,
    float Beta1,
    float Beta2,
    float Epsilon,
    float WeightDecay,
    AdamDecayMode DecayMode)
{
    /// <summary>torch.optim.Adam defaults: lr 1e-3, betas (0.9, 0.999), eps 1e-8, weight_decay 0 (L2).</summary>
    public static AdamHyperParameters Adam(float learningRate = 1e-3f, float weightDecay = 0f, float beta1 = 0.9f, float beta2 = 0.999f, float epsilon = 1e-8f) =>
        new(learningRate, beta1, beta2, epsilon, weightDecay, AdamDecayMode.L2);

    /// <summary>torch.optim.AdamW defaults: lr 1e-3, betas (0.9, 0.999), eps 1e-8, weight_decay 1e-2 (decoupled).</summary>
    public static AdamHyperParameters AdamW(float learningRate = 1e-3f, float weightDecay = 1e-2f, float beta1 = 0.9f, float beta2 = 0.999f, float epsilon = 1e-8f) =>
        new(learningRate, beta1, beta2, epsilon, weightDecay, AdamDecayMode.Decoupled);

    /// <summary>Throws unless the values are ones torch accepts (lr, eps, wd ≥ 0; 0 ≤ beta &lt; 1).</summary>
    public void Validate(string op)
    {
        if (!(LearningRate >= 0))
            throw new ArgumentException($"{op}: learning rate must be >= 0, got {LearningRate}");
        if (!(Beta1 >= 0 && Beta1 < 1))
            throw new ArgumentException($"{op}: beta1 must be in [0, 1), got {Beta1}");
        if (!(Beta2 >= 0 && Beta2 < 1))
            throw new ArgumentException($"{op}: beta2 must be in [0, 1), got {Beta2}");
        if (!(Epsilon >= 0))
            throw new ArgumentException($"{op}: epsilon must be >= 0, got {Epsilon}");
        if (!(WeightDecay >= 0))
            throw new ArgumentException($"{op}: weight decay must be >= 0, got {WeightDecay}");
    }
}
