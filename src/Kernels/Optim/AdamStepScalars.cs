namespace CrsIlgpu.Kernels.Optim;

/// <summary>
/// The scalars one Adam step needs, precomputed on the host in double and rounded to fp32 once,
/// as PyTorch does with its Python-float scalars. Passed by value as a kernel argument.
/// </summary>
/// <param name="GradScale">g ← GradScale·g first (gradient clipping without an extra pass).</param>
/// <param name="L2Decay">g ← g + L2Decay·p (wd for Adam, 0 for AdamW).</param>
/// <param name="ParamDecay">p ← ParamDecay·p before the update (1 − lr·wd for AdamW, 1 for Adam).</param>
/// <param name="StepSize">lr / (1 − β1^t).</param>
/// <param name="BiasCorrection2Sqrt">sqrt(1 − β2^t).</param>
public readonly record struct AdamStepScalars(
    float GradScale,
    float L2Decay,
    float ParamDecay,
    float Beta1,
    float OneMinusBeta1,
    float Beta2,
    float OneMinusBeta2,
    float StepSize,
    float BiasCorrection2Sqrt,
    float Epsilon)
{
    /// <summary>Scalars of step <paramref name="step"/> (1-based, as torch's state['step'] after its increment).</summary>
    public static AdamStepScalars For(AdamHyperParameters hp, int step, float gradScale = 1f)
    {
        if (step < 1)
            throw new ArgumentOutOfRangeException(nameof(step), step, "Adam steps are 1-based");
        double lr = hp.LearningRate, wd = hp.WeightDecay, beta1 = hp.Beta1, beta2 = hp.Beta2;
        // Everything in double from the double hyper-parameters, rounded to fp32 once, as torch does.
        var decoupled = hp.DecayMode == AdamDecayMode.Decoupled;
        var biasCorrection1 = 1 - Math.Pow(beta1, step);
        var biasCorrection2 = 1 - Math.Pow(beta2, step);
        return new AdamStepScalars(
            gradScale,
            decoupled ? 0f : (float)wd,
            decoupled ? (float)(1 - lr * wd) : 1f,
            (float)beta1,
            (float)(1 - beta1),
            (float)beta2,
            (float)(1 - beta2),
            (float)(lr / biasCorrection1),
            (float)Math.Sqrt(biasCorrection2),
            (float)hp.Epsilon);
    }
}
