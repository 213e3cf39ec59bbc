namespace CrsIlgpu.Training.Tests.Determinism;

/// <summary>Tests that change the process-wide <see cref="Kernels.Runtime.CpuThreads"/> limit run one at a time.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class CpuThreadsCollection
{
    public const string Name = "cpu threads";
}
