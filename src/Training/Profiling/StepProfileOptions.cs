using CrsIlgpu.Model;
using CrsIlgpu.Model.Sampling;

namespace CrsIlgpu.Training.Profiling;

/// <summary>What `crs profile` measures: a model, a batch of synthetic data, WTA-CRS or dense, warm-up and timed steps.</summary>
public sealed record StepProfileOptions(VitConfig Config, int Batch, WtaCrsConfig? Sampling = null,
    int WarmupSteps = 2, int Steps = 5, int Seed = 0, MemorySavers? Savers = null)
{
    public void Validate()
    {
        Config.Validate();
        Sampling?.Validate();
        if (Batch < 1)
            throw new CrsException($"--batch must be positive, got {Batch}");
        if (Steps < 1)
            throw new CrsException($"--steps must be positive, got {Steps}");
        if (WarmupSteps < 0)
            throw new CrsException($"--warmup must be 0 or more, got {WarmupSteps}");
    }

    /// <summary>"dense" or "WTA-CRS Cached rho=0.3 on Qkv, Proj, Fc1, Fc2".</summary>
    public string SamplingText => WtaCrsConfig.Describe(Sampling);
}
