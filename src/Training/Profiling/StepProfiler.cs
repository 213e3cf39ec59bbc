namespace CrsIlgpu.Training.Profiling;

/// <summary>
/// `crs profile`: warm-up steps with the profiler off, then timed steps with it on, each step
/// forward → loss → backward → optimizer on a seeded synthetic batch (<see cref="ProfiledTraining"/>).
/// </summary>
public static class StepProfiler
{
    public static StepProfile Run(DeviceContext device, StepProfileOptions options, Action<string>? progress = null) =>
        RunInterleaved(device, [options], progress)[0];

    /// <summary>
    /// Several configurations on one device, their timed steps interleaved (A, B, A, B, ...), so that
    /// a slow stretch of a shared or throttling machine lands on all of them alike and a comparison
    /// stays fair. All of them must take the same number of warm-up and timed steps.
    /// </summary>
    public static IReadOnlyList<StepProfile> RunInterleaved(DeviceContext device, IReadOnlyList<StepProfileOptions> options, Action<string>? progress = null)
    {
        if (options.Count == 0)
            throw new ArgumentException("nothing to profile");
        if (options.Select(o => (o.WarmupSteps, o.Steps)).Distinct().Count() != 1)
            throw new ArgumentException("interleaved profiles need the same warm-up and timed steps");
        var runs = new List<ProfiledTraining>();
        try
        {
            foreach (var o in options)
                runs.Add(new ProfiledTraining(device, o));
            var (warmup, steps) = (options[0].WarmupSteps, options[0].Steps);
            for (var i = 0; i < warmup; i++)
            {
                foreach (var run in runs)
                {
                    progress?.Invoke($"{run.Options.SamplingText}: warm-up step {i + 1}/{warmup}");
                    run.WarmupStep();
                }
            }
            for (var i = 0; i < steps; i++)
            {
                foreach (var run in runs)
                {
                    progress?.Invoke($"{run.Options.SamplingText}: timed step {i + 1}/{steps}");
                    run.TimedStep();
                }
            }
            for (var i = 0; i < steps; i++)
            {
                foreach (var run in runs)
                {
                    progress?.Invoke($"{run.Options.SamplingText}: unprofiled step {i + 1}/{steps}");
                    run.PlainStep();
                }
            }
            return runs.Select(r => r.Result()).ToList();
        }
        finally
        {
            foreach (var run in runs)
                run.Dispose();
        }
    }
}
