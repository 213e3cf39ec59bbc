using CrsIlgpu.Kernels.Runtime.Memory;

namespace CrsIlgpu.Training.Memory;

/// <summary>Memory of one training step: the pool's statistics and what forward kept for backward, per layer type.</summary>
public sealed record StepMemoryReport(
    string Model,
    int Batch,
    long Parameters,
    string Device,
    bool Planned,
    MemoryStats Stats,
    IReadOnlyDictionary<string, long> SavedBytesByLayerType,
    float? Loss)
{
    /// <summary>Keep ratio ρ of the run (1 for dense) and the sampling description.</summary>
    public double Ratio { get; init; } = 1.0;

    public string Sampling { get; init; } = "dense";

    /// <summary>What the step's store held between forward and backward, per tensor name over the blocks.</summary>
    public IReadOnlyList<SavedTensorTotal> SavedTensors { get; init; } = [];

    /// <summary>What the step's store held between forward and backward, per keeping layer (<c>blocks.*.mlp.fc1</c>: summed over blocks).</summary>
    public IReadOnlyDictionary<string, long> SavedByLayer { get; init; } = new Dictionary<string, long>();

    /// <summary>The step's memory savers.</summary>
    public MemorySavers Savers { get; init; } = MemorySavers.None;
}
