namespace CrsIlgpu.Kernels.Optim;

/// <summary>
/// Adam / AdamW settings, as torch.optim.Adam and torch.optim.AdamW take them (non-amsgrad).
/// The step-dependent scalars come from <see cref="AdamStepScalars.For"/>. Double, like PyTorch's
/// Python-float hyper-parameters: with fp32 β2 = 0.999f, 1 − β2 would be off by 1.3e-5 relative.
/// </summary>
public sealed record AdamHyperParameters(
    double LearningRate,
    double Beta1,
    double Beta2,
    double Epsilon,
    double WeightDecay,
    AdamDecayMode DecayMode)
{
    /// <summary>torch.optim.Adam defaults: lr 1e-3, betas (0.9, 0.999), eps 1e-8, weight_decay 0 (L2).</summary>
    public static AdamHyperParameters Adam(double learningRate = 1e-3, double weightDecay = 0, double beta1 = 0.9, double beta2 = 0.999,
        double epsilon = 1e-8) =>
        new(learningRate, beta1, beta2, epsilon, weightDecay, AdamDecayMode.L2);

    /// <summary>torch.optim.AdamW defaults: lr 1e-3, betas (0.9, 0.999), eps 1e-8, weight_decay 1e-2 (decoupled).</summary>
    public static AdamHyperParameters AdamW(double learningRate = 1e-3, double weightDecay = 1e-2, double beta1 = 0.9, double beta2 = 0.999,
        double epsilon = 1e-8) =>
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
