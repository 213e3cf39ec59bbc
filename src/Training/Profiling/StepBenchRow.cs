namespace CrsIlgpu.Training.Profiling;

/// <summary>
/// One model and batch of `crs bench step`: mean wall time of a full training step of crs and of
/// PyTorch eager, their steps alternated in one run; PyTorch's figures are null (and
/// <see cref="PyTorchMissing"/> says why) where it could not run.
/// </summary>
public sealed record StepBenchRow(
    string Model,
    int Batch,
    int Steps,
    int Threads,
    double CrsMs,
    double CrsMinMs,
    double? PyTorchMs,
    double? PyTorchMinMs,
    string? PyTorchDevice,
    string? PyTorchVersion,
    string? BlasCore,
    string? PyTorchMissing)
{
    /// <summary>The memory pool's peak of requested bytes over the case (the same measure as torch's max_memory_allocated).</summary>
    public long CrsPeakAllocatedBytes { get; init; }

    /// <summary>torch.cuda.max_memory_allocated over PyTorch's timed steps (CUDA only; null on the CPU).</summary>
    public long? PyTorchMaxMemoryAllocatedBytes { get; init; }

    public double CrsImagesPerSecond => Batch / (CrsMs / 1e3);

    public double? PyTorchImagesPerSecond => PyTorchMs is > 0 ? Batch / (PyTorchMs.Value / 1e3) : null;

    /// <summary>PyTorch's step time over crs's: above 1, crs is faster.</summary>
    public double? Speedup => PyTorchMs is > 0 ? PyTorchMs / CrsMs : null;
}
