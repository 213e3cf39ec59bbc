namespace CrsIlgpu.Training.Trainer;

/// <summary>
/// Linear warm-up from lr/warmup to lr over the first <see cref="WarmupSteps"/> updates, then cosine
/// decay to the minimum at the last update. A pure function of the step, so a resume needs no state.
/// </summary>
public sealed record LearningRateSchedule(double Peak, double Minimum, int TotalSteps, int WarmupSteps)
{
    public static LearningRateSchedule For(TrainingOptions options, int stepsPerEpoch)
    {
        var total = Math.Max(1, checked(stepsPerEpoch * options.Epochs));
        var warmup = (int)Math.Round(options.WarmupFraction * total);
        return new LearningRateSchedule(options.LearningRate, options.MinLearningRate, total, warmup);
    }

    /// <summary>Learning rate of update <paramref name="step"/> (0-based).</summary>
    public double At(int step)
    {
        if (step < WarmupSteps)
            return Peak * (step + 1) / WarmupSteps;
        var decaySteps = TotalSteps - WarmupSteps;
        if (decaySteps <= 1)
            return Peak;
        var progress = Math.Clamp((double)(step - WarmupSteps) / (decaySteps - 1), 0, 1);
        return Minimum + (Peak - Minimum) * 0.5 * (1 + Math.Cos(Math.PI * progress));
    }
}
